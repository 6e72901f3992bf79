using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Turns a cell's kernel events into notebook outputs: displayed and returned values keep every MIME
/// type the formatters produced, consecutive stdout (or stderr) writes merge into one stream output,
/// and a failure becomes an error output. Events may arrive on other threads.
/// </summary>
sealed class CellOutputs(InteractiveDocumentElement element)
{
    readonly object _gate = new();
    bool _failureRecorded;
    /// <summary>Where each updatable display (e.g. NuGet's "Installing packages") sits in the outputs.</summary>
    readonly Dictionary<string, int> _displayed = new(StringComparer.Ordinal);

    public void Add(KernelEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StandardOutputValueProduced o: AppendStream("stdout", Text(o)); break;
                case StandardErrorValueProduced o: AppendStream("stderr", Text(o)); break;
                case ReturnValueProduced r:
                    var returned = new ReturnValueElement();
                    foreach (var (mime, value) in Data(r)) returned.Data[mime] = value;
                    if (returned.Data.Count > 0) element.Outputs.Add(returned);
                    break;
                case DisplayedValueUpdated u when u.ValueId is not null && _displayed.TryGetValue(u.ValueId, out var at):
                    element.Outputs[at] = new DisplayElement(Data(u));
                    break;
                case DisplayEvent d:
                    var data = Data(d);
                    if (data.Count == 0) break;
                    if (d.ValueId is not null) _displayed[d.ValueId] = element.Outputs.Count;
                    element.Outputs.Add(new DisplayElement(data));
                    break;
                case CommandFailed f:
                    AddFailureLocked(f);
                    break;
            }
        }
    }

    public void AddFailure(CommandFailed failed)
    {
        lock (_gate) AddFailureLocked(failed);
    }

    public void AddError(ErrorElement error)
    {
        lock (_gate) element.Outputs.Add(error);
    }

    void AddFailureLocked(CommandFailed failed)
    {
        if (_failureRecorded) return;
        _failureRecorded = true;
        var name = failed.Exception?.GetType().Name ?? "Error";
        var stack = failed.Exception?.StackTrace?.Split('\n').Select(l => l.TrimEnd()).ToArray() ?? [];
        element.Outputs.Add(new ErrorElement(errorValue: Describe(failed), errorName: name, stackTrace: stack));
    }

    /// <summary>The failure as a person reads it: compiler diagnostics or the exception's type and message.</summary>
    public static string Describe(CommandFailed failed)
    {
        if (failed.Exception is { } ex)
        {
            var inner = ex is System.Reflection.TargetInvocationException { InnerException: { } i } ? i : ex;
            return $"{inner.GetType().Name}: {inner.Message}";
        }
        return failed.Message.Trim();
    }

    void AppendStream(string name, string text) => AppendStream(element, name, text);

    /// <summary>Adds stdout or stderr text to a cell, merged into its last output when that is the same stream (as Jupyter shows it).</summary>
    internal static void AppendStream(InteractiveDocumentElement element, string name, string text)
    {
        if (text.Length == 0) return;
        int last = element.Outputs.Count - 1;
        if (last >= 0 && element.Outputs[last] is TextElement previous && previous.Name == name)
            element.Outputs[last] = new TextElement(previous.Text + text, name);
        else
            element.Outputs.Add(new TextElement(text, name));
    }

    static string Text(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value
        ?? e.FormattedValues.FirstOrDefault()?.Value ?? "";

    static Dictionary<string, object> Data(DisplayEvent e)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var v in e.FormattedValues)
            if (!v.SuppressDisplay && v.Value is not null) data[v.MimeType] = v.Value;
        return data;
    }
}
