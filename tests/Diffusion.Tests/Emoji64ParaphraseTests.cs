using System.Text.Json;
using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>The paraphrase list part A's model is scored on must hold out-of-training prompts of known concepts.</summary>
public sealed class Emoji64ParaphraseTests
{
    [Fact]
    public void AtLeastAHundredParaphrasesEachOfAKnownConceptAndNoneATrainingCaption()
    {
        var folder = Path.Combine(KitPaths.Data, "emoji-64");
        using var concepts = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "concepts.json")));
        using var paraphrases = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "paraphrases.json")));
        var keys = concepts.RootElement.GetProperty("Concepts").EnumerateArray().Select(c => c.GetProperty("Key").GetString()!).ToHashSet();
        var captions = concepts.RootElement.GetProperty("Concepts").EnumerateArray()
            .SelectMany(c => c.GetProperty("Captions").EnumerateArray().Select(x => x.GetString()!.ToLowerInvariant())).ToHashSet();
        var list = paraphrases.RootElement.GetProperty("Paraphrases").EnumerateArray()
            .Select(p => (Prompt: p.GetProperty("Prompt").GetString()!, Concept: p.GetProperty("Concept").GetString()!)).ToList();

        Assert.True(list.Count >= 100, $"{list.Count} paraphrases, the bar needs at least 100");
        Assert.Empty(list.Where(p => !keys.Contains(p.Concept)).Select(p => $"{p.Prompt} -> {p.Concept} (no such concept)"));
        Assert.Empty(list.Where(p => captions.Contains(p.Prompt.ToLowerInvariant())).Select(p => $"{p.Prompt} is a training caption"));
        Assert.Equal(list.Count, list.Select(p => p.Prompt).Distinct().Count());
    }
}
