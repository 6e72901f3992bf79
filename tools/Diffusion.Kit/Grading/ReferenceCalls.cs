using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Finds submitted code that calls the library's own implementation of what a section asks students to write
/// (<c>Ddpm.Forward</c> for the forward process, the samplers, the guidance combiners), written plainly, through a
/// <c>global::</c> or alias-qualified name, a <c>using static</c>, or reflection. Only code the student wrote is read:
/// every top-level statement and declaration that is not, word for word, one of the handout's (the handout's own cells
/// compare with the references on purpose). Reflection cannot be traced to a member, so it flags every section.
/// </summary>
public static class ReferenceCalls
{
    /// <summary>A section's reference found in the submission: where, and what.</summary>
    public sealed record Finding(int Cell, string Reference, string Code);

    static readonly HashSet<string> ReflectionNames = new(StringComparer.Ordinal)
    {
        "GetMethod", "GetMethods", "GetMember", "GetMembers", "InvokeMember", "GetRuntimeMethod", "GetRuntimeMethods",
        "GetDeclaredMethod", "CreateDelegate", "MethodInfo", "MethodBase", "Activator", "GetTypes", "GetExportedTypes",
        "DynamicMethod", "Reflection", "UnsafeAccessor", "UnsafeAccessorAttribute", "Assembly", "AssemblyLoadContext",
    };

    /// <param name="cells">The submission's C# cells as (cell number, code).</param>
    /// <param name="handout">The handout's C# cells (the key's student version).</param>
    /// <param name="references">Members as <c>Type.Member</c>, <c>*.Member</c> (an extension method on anything) or <c>Type</c>.</param>
    public static IReadOnlyList<Finding> Find(IEnumerable<(int Cell, string Code)> cells, IEnumerable<string> handout, IReadOnlyCollection<string> references)
    {
        var known = handout.SelectMany(Statements).Select(Fingerprint).ToHashSet(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var (cell, code) in cells)
        {
            var statements = Statements(code).ToList();
            var aliases = statements.OfType<UsingDirectiveSyntax>().Where(u => u.Alias is not null && u.Name is not null)
                .ToDictionary(u => u.Alias!.Name.Identifier.Text, u => Last(u.Name!), StringComparer.Ordinal);
            foreach (var statement in statements.Where(s => !known.Contains(Fingerprint(s))))
                foreach (var reference in Offending(statement, references, aliases))
                    findings.Add(new Finding(cell, reference, Short(statement.ToString())));
        }
        return findings;
    }

    /// <summary>The references (or "reflection") <paramref name="node"/> uses.</summary>
    static IEnumerable<string> Offending(SyntaxNode node, IReadOnlyCollection<string> references, IReadOnlyDictionary<string, string> aliases)
    {
        string Resolve(string name) => aliases.TryGetValue(name, out var target) ? target : name;
        if (node is UsingDirectiveSyntax { Name: { } imported } u && u.StaticKeyword.IsKind(SyntaxKind.StaticKeyword))
            foreach (var r in references.Where(r => TypeOf(r) == Last(imported))) yield return $"{r} (through `using static`)";
        foreach (var n in node.DescendantNodesAndSelf())
        {
            switch (n)
            {
                case MemberAccessExpressionSyntax access:
                    var member = access.Name.Identifier.Text;
                    var owner = Resolve(Last(access.Expression));
                    foreach (var r in references.Where(r => MemberOf(r) == member && (TypeOf(r) == "*" || TypeOf(r) == owner))) yield return r;
                    break;
                case QualifiedNameSyntax qualified when qualified.Parent is not QualifiedNameSyntax:
                    foreach (var r in references.Where(r => MemberOf(r) is null && TypeOf(r) == Resolve(Last(qualified)))) yield return r;
                    break;
                case IdentifierNameSyntax id when id.Parent is not MemberAccessExpressionSyntax { Name: var name } || name != id:
                    foreach (var r in references.Where(r => MemberOf(r) is null && TypeOf(r) == Resolve(id.Identifier.Text))) yield return r;
                    if (ReflectionNames.Contains(id.Identifier.Text)) yield return $"reflection ({id.Identifier.Text})";
                    break;
                case IdentifierNameSyntax id:
                    if (ReflectionNames.Contains(id.Identifier.Text)) yield return $"reflection ({id.Identifier.Text})";
                    break;
            }
            if (n is IdentifierNameSyntax { Identifier.Text: "dynamic" }) yield return "reflection (dynamic)";
        }
    }

    public static bool IsReflection(string finding) => finding.StartsWith("reflection", StringComparison.Ordinal);

    static string TypeOf(string reference) => reference.Split('.')[0];
    static string? MemberOf(string reference) => reference.Contains('.') ? reference.Split('.')[1] : null;

    /// <summary>The rightmost simple name of an expression or name: `global::Diffusion.Sampling.Ddpm` is Ddpm.</summary>
    static string Last(SyntaxNode node) => node switch
    {
        MemberAccessExpressionSyntax m => m.Name.Identifier.Text,
        QualifiedNameSyntax q => q.Right.Identifier.Text,
        AliasQualifiedNameSyntax a => a.Name.Identifier.Text,
        SimpleNameSyntax s => s.Identifier.Text,
        _ => node.ToString(),
    };

    /// <summary>A cell's top-level pieces: usings, members, statements.</summary>
    static IEnumerable<SyntaxNode> Statements(string code)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(kind: SourceCodeKind.Script)).GetRoot();
        return root.Usings.Cast<SyntaxNode>().Concat(root.Members);
    }

    static string Fingerprint(SyntaxNode node) => string.Concat(node.DescendantTokens().Select(t => t.Text));

    static string Short(string code)
    {
        var line = code.Trim().Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)) ?? "";
        return line.Length > 70 ? line[..67] + "..." : line;
    }
}
