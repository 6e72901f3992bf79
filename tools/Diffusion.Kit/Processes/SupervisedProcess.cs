using System.Diagnostics;
using System.Text;

namespace Diffusion.Kit.Processes;

/// <summary>
/// A child process watched from outside: its output read line by line (lines cut at 64 KB, so a child cannot make the
/// parent hold one of any size), the time since it last said anything, a watchdog polled while it runs, and the last
/// lines it printed. When it ends or is killed, its pipes are drained for a few seconds at most: a process it left
/// behind may still hold them open, and the parent never waits on that. Used by the notebook runner and the grader.
/// </summary>
public sealed class SupervisedProcess : IDisposable
{
    /// <summary>How long the output is drained after the process ended.</summary>
    public static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);
    const int MaxLine = 64 * 1024;

    readonly Process _process;
    readonly Func<string, bool, bool> _onLine;
    readonly Queue<string> _tail = new();
    readonly int _tailLines;
    readonly Stopwatch _heard = Stopwatch.StartNew();
    readonly Task _readers;

    SupervisedProcess(ProcessStartInfo start, Func<string, bool, bool> onLine, int tailLines)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        _onLine = onLine;
        _tailLines = tailLines;
        _process = new Process { StartInfo = start };
        _process.Start();
        _process.StandardInput.Close();
        _readers = Task.WhenAll(
            Task.Run(() => ReadLinesAsync(_process.StandardOutput, error: false)),
            Task.Run(() => ReadLinesAsync(_process.StandardError, error: true)));
    }

    /// <summary>
    /// Starts <paramref name="start"/>; <paramref name="onLine"/> gets every line (and whether it came on stderr) on a
    /// reader thread and says whether to keep it in the tail (protocol lines are not what a person wants to read).
    /// </summary>
    public static SupervisedProcess Start(ProcessStartInfo start, Func<string, bool, bool> onLine, int tailLines = 40) =>
        new(start, onLine, tailLines);

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    /// <summary>Time since the child last printed a line, or since <see cref="Heard"/> was called.</summary>
    public TimeSpan SinceHeard { get { lock (_heard) return _heard.Elapsed; } }
    /// <summary>Why the watchdog killed the child; null when it ended by itself.</summary>
    public string? KilledBecause { get; private set; }

    /// <summary>Marks the child as heard from now (for protocols that count only some lines as progress).</summary>
    public void Heard() { lock (_heard) _heard.Restart(); }

    /// <summary>
    /// Waits for the child to end, asking <paramref name="watchdog"/> every <paramref name="poll"/> whether to kill it
    /// (a reason) or not (null); then kills whatever is left of its tree and drains its pipes for at most <see cref="Drain"/>.
    /// On cancellation the child is killed and the wait throws.
    /// </summary>
    public async Task<int> WaitAsync(Func<string?> watchdog, TimeSpan poll, CancellationToken cancel, Action? kill = null)
    {
        kill ??= Kill;
        while (!_process.HasExited)
        {
            try { await _process.WaitForExitAsync(cancel).WaitAsync(poll, cancel); }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { kill(); throw; }
            if (_process.HasExited) break;
            if (watchdog() is { } reason)
            {
                KilledBecause ??= reason;
                kill();
            }
        }
        kill();   // anything it left behind in its tree
        await Task.WhenAny(_readers, Task.Delay(Drain, CancellationToken.None));
        return _process.ExitCode;
    }

    /// <summary>Kills the child and every descendant still in its tree.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>The last lines it printed (stdout and stderr), joined by <paramref name="separator"/>.</summary>
    public string Tail(int lines, string separator = "\n")
    {
        lock (_tail) return string.Join(separator, _tail.Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(lines)).Trim();
    }

    async Task ReadLinesAsync(StreamReader reader, bool error)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
                for (int i = 0; i < read; i++)
                {
                    char c = buffer[i];
                    if (c == '\n') { Emit(line, error); continue; }
                    if (c != '\r' && line.Length < MaxLine) line.Append(c);
                }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        if (line.Length > 0) Emit(line, error);
    }

    void Emit(StringBuilder line, bool error)
    {
        var text = line.ToString();
        line.Clear();
        lock (_heard) _heard.Restart();
        if (!_onLine(text, error)) return;
        lock (_tail)
        {
            _tail.Enqueue(text.Length > 2000 ? text[..2000] : text);
            while (_tail.Count > _tailLines) _tail.Dequeue();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
