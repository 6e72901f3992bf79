using Spectre.Console;
using Spectre.Console.Rendering;

namespace Diffusion.Kit.Terminal;

/// <summary>
/// A table a verb prints on standard output: drawn with Spectre.Console when that is a terminal, and otherwise written
/// as the verb's plain lines (each row's own line, in the format scripts and tests read), so piping changes nothing.
/// </summary>
public sealed class TerminalTable(params string[] columns)
{
    readonly List<(string Plain, string[] Cells)> _rows = [];
    readonly HashSet<int> _right = [];

    /// <summary>Right-aligns these columns (numbers) in the drawn table.</summary>
    public TerminalTable AlignRight(params int[] indexes)
    {
        _right.UnionWith(indexes);
        return this;
    }

    /// <summary>A row: its line when the output is not a terminal, and its cells for the drawn table.</summary>
    public TerminalTable Add(string plain, params string[] cells)
    {
        if (cells.Length != columns.Length) throw new ArgumentException($"a row of this table has {columns.Length} cells, got {cells.Length}.", nameof(cells));
        _rows.Add((plain, cells));
        return this;
    }

    /// <summary>Writes the table under <paramref name="title"/>; plain, <paramref name="plainTitle"/> (default the title) is the first line.</summary>
    public void Write(string? title = null, string? plainTitle = null)
    {
        if (!TerminalOutput.IsTerminal(Console.Out))
        {
            if ((plainTitle ?? title) is { } line) Console.WriteLine(line);
            foreach (var (plain, _) in _rows) Console.WriteLine(plain);
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null) table.Title(Markup.Escape(title.TrimEnd(':')));
        for (int i = 0; i < columns.Length; i++)
            table.AddColumn(new TableColumn(Markup.Escape(columns[i])) { Alignment = _right.Contains(i) ? Justify.Right : Justify.Left });
        foreach (var (_, cells) in _rows) table.AddRow(cells.Select(c => (IRenderable)new Spectre.Console.Text(c)).ToArray());
        TerminalOutput.For(Console.Out).Write(table);
    }
}
