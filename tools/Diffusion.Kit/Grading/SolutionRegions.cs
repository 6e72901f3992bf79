using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Diffusion.Kit.Grading;

/// <summary>
/// The code students write, marked in the kit's notebooks by a line <c>// BEGIN SOLUTION</c> and a line
/// <c>// END SOLUTION</c>. A region holds whole functions (and nothing else), so the student version can keep each
/// function's signature, which the cells below call, and replace its body with one that throws
/// NotImplementedException: the notebook still compiles, and the hidden tests know what to call.
/// </summary>
public static class SolutionRegions
{
    public const string Begin = "// BEGIN SOLUTION";
    public const string End = "// END SOLUTION";
    public const string StudentBegin = "// ---- your code: replace the NotImplementedException with the function's body ----";
    public const string StudentEnd = "// ---- end of your code ----";

    public static bool Contains(string code) => code.Split('\n').Any(l => IsLine(l, Begin));

    /// <summary>The cell's code with every solution region replaced by the functions' signatures and placeholder bodies.</summary>
    public static string ToStudentVersion(string code, string where)
    {
        var lines = code.Replace("\r\n", "\n").Split('\n');
        var output = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            if (IsLine(lines[i], End)) throw new FormatException($"{where}: `{End}` without a `{Begin}` above it (line {i + 1}).");
            if (!IsLine(lines[i], Begin))
            {
                output.Append(lines[i]).Append('\n');
                continue;
            }
            int end = Array.FindIndex(lines, i + 1, l => IsLine(l, End) || IsLine(l, Begin));
            if (end < 0 || IsLine(lines[end], Begin))
                throw new FormatException($"{where}: `{Begin}` on line {i + 1} has no `{End}` below it.");
            string indent = lines[i][..(lines[i].Length - lines[i].TrimStart().Length)];
            output.Append(indent).Append(StudentBegin).Append('\n');
            foreach (var placeholder in Placeholders(string.Join('\n', lines[(i + 1)..end]), $"{where}, line {i + 2}"))
                output.Append(placeholder).Append('\n');
            output.Append(indent).Append(StudentEnd).Append('\n');
            i = end;
        }
        return output.ToString().TrimEnd('\n') + (code.EndsWith('\n') ? "\n" : "");
    }

    static bool IsLine(string line, string marker) => line.Trim() == marker;

    /// <summary>For each function in the region: its leading comments and signature, and a body that throws.</summary>
    static IEnumerable<string> Placeholders(string region, string where)
    {
        var tree = CSharpSyntaxTree.ParseText(region, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var root = (CompilationUnitSyntax)tree.GetRoot();
        var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
            throw new FormatException($"{where}: the solution region does not parse: {errors[0].GetMessage()}");
        var functions = new List<string>();
        foreach (var member in root.Members)
        {
            var (header, name) = member switch
            {
                MethodDeclarationSyntax m => (Header(region, m, m.Body, m.ExpressionBody), m.Identifier.Text),
                GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax f } => (Header(region, f, f.Body, f.ExpressionBody), f.Identifier.Text),
                _ => throw new FormatException(
                    $"{where}: a solution region may hold only whole functions (students get their signatures), found `{Short(member.ToString())}`."),
            };
            string indent = header[..(header.Length - header.TrimStart().Length)].Split('\n')[^1];
            functions.Add($"{header.TrimEnd()}\n{indent}{{\n{indent}    throw new NotImplementedException(\"{name}: write this function.\");\n{indent}}}");
        }
        if (functions.Count == 0) throw new FormatException($"{where}: the solution region holds no function.");
        return functions;
    }

    /// <summary>The member's text from its leading comments to where its body starts.</summary>
    static string Header(string source, SyntaxNode member, BlockSyntax? body, ArrowExpressionClauseSyntax? arrow)
    {
        int start = member.FullSpan.Start;
        int bodyStart = body?.SpanStart ?? arrow?.SpanStart ?? member.Span.End;
        return source[start..bodyStart].TrimStart('\n');
    }

    static string Short(string code)
    {
        var line = code.Trim().Split('\n')[0].Trim();
        return line.Length > 60 ? line[..57] + "..." : line;
    }
}
