using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Diffusion.Kit.Grading.Similarity;

/// <summary>
/// Winnowing fingerprints of code (Schleimer, Wilkerson and Aiken, 2003): the code as C# tokens with every name, number
/// and string made the same (so renaming a variable or changing a constant changes nothing), hashed in runs of
/// <see cref="K"/> tokens, and from every window of <see cref="W"/> consecutive hashes the smallest one kept. Two
/// texts that share a run of at least K + W - 1 tokens share a fingerprint.
/// </summary>
public sealed class CodeFingerprints
{
    public const int K = 10;
    public const int W = 6;

    /// <summary>The lines the fingerprints came from (as written), and per fingerprint the lines its tokens span.</summary>
    public IReadOnlyList<string> Lines { get; }
    public IReadOnlyDictionary<ulong, IReadOnlyList<int>> Hashes { get; }

    CodeFingerprints(IReadOnlyList<string> lines, IReadOnlyDictionary<ulong, IReadOnlyList<int>> hashes) { Lines = lines; Hashes = hashes; }

    public static CodeFingerprints Of(IReadOnlyList<string> lines)
    {
        var text = string.Join('\n', lines);
        var tokens = new List<(string Kind, int Line)>();
        var tree = SyntaxFactory.ParseTokens(text);
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++) if (text[i] == '\n') starts.Add(i + 1);
        foreach (var token in tree)
        {
            if (token.IsKind(SyntaxKind.EndOfFileToken)) break;
            int line = starts.BinarySearch(token.SpanStart);
            tokens.Add((Normalised(token), line >= 0 ? line : ~line - 1));
        }
        var grams = new List<(ulong Hash, int First, int Last)>();
        for (int i = 0; i + K <= tokens.Count; i++)
        {
            ulong h = 14695981039346656037UL;
            for (int j = i; j < i + K; j++)
            {
                foreach (char c in tokens[j].Kind) { h ^= c; h *= 1099511628211UL; }
                h ^= 0xFF; h *= 1099511628211UL;
            }
            grams.Add((h, tokens[i].Line, tokens[i + K - 1].Line));
        }
        var kept = new Dictionary<ulong, SortedSet<int>>();
        for (int start = 0; start + Math.Min(W, grams.Count) <= grams.Count && grams.Count > 0; start++)
        {
            int best = start;
            for (int j = start; j < Math.Min(start + W, grams.Count); j++) if (grams[j].Hash <= grams[best].Hash) best = j;
            var set = kept.TryGetValue(grams[best].Hash, out var s) ? s : kept[grams[best].Hash] = [];
            for (int l = grams[best].First; l <= grams[best].Last; l++) set.Add(l);
            if (start + W >= grams.Count) break;
        }
        return new CodeFingerprints(lines, kept.ToDictionary(p => p.Key, p => (IReadOnlyList<int>)p.Value.ToList()));
    }

    static string Normalised(SyntaxToken token) => token.Kind() switch
    {
        SyntaxKind.IdentifierToken => "id",
        SyntaxKind.NumericLiteralToken => "0",
        SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.InterpolatedStringTextToken
            or SyntaxKind.SingleLineRawStringLiteralToken or SyntaxKind.MultiLineRawStringLiteralToken => "\"\"",
        _ => token.Text,
    };
}
