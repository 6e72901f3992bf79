using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.TextToImage;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Part A's model evaluation: its prompt lists, and one prompt judged end to end on the committed sitting.</summary>
public sealed class ConceptEvaluationTests
{
    static readonly string Folder = Path.Combine(KitPaths.Data, "emoji-64");

    [Fact]
    public void ThePromptListsCoverEveryConceptTheParaphrasesAndTheCoursesPrompts()
    {
        using var set = EmojiSet.Load(Folder);
        var captions = ConceptEvaluation.TrainingCaptions(set);
        Assert.Equal(set.Concepts.Count, captions.Count);
        Assert.All(captions, c => Assert.Contains(c.Prompt, set.Concepts[c.Concept].Captions));
        var paraphrases = ConceptEvaluation.Paraphrases(set, Folder);
        Assert.True(paraphrases.Count >= 100, $"{paraphrases.Count} paraphrases");
        Assert.All(paraphrases, p => Assert.DoesNotContain(p.Prompt, set.Concepts.SelectMany(c => c.Captions)));
        var course = ConceptEvaluation.CoursePrompts(set);
        Assert.Equal(["snowy-mountain", "man-with-hat", "rocket", "old-man", "fire", "skull", "wave"], course.Select(c => set.Concepts[c.Concept].Key));
    }

    [Fact]
    public void OnePromptIsJudgedByTheClassifierThePixelsAndItsDiversity()
    {
        var sitting = Path.Combine(TextToImage64Training.ShippedFolder, "sitting.weights");
        Assert.True(File.Exists(sitting), $"the committed sitting {sitting} is missing");
        using var set = EmojiSet.Load(Folder);
        using var model = TextToImage64Training.Load(sitting);
        using var classifier = new ConceptClassifier(set.Concepts.Count);   // untrained: any verdict, but a verdict per sample
        var rocket = ConceptEvaluation.CoursePrompts(set).Single(c => c.Prompt == "a rocket ship");
        var (verdict, images) = ConceptEvaluation.Judge(model, set, classifier, rocket, samples: 3, gamma: 5, steps: 3, seed: 1);
        using (images)
        {
            Assert.Equal([3L, 3, 64, 64], images.shape);
            Assert.Equal(3, verdict.Samples);
            Assert.All(verdict.Classified, c => Assert.Equal(3, c.Length));
            Assert.InRange(verdict.Hits, 0, verdict.Top3);
            Assert.True(verdict.Diversity > 0, "three seeds gave identical samples");
            Assert.True(verdict.TrainingDiversity > 0, "the rocket's training pictures are all alike");
        }
    }

    static PromptVerdict Verdict(string group, int concept, int[] guesses, double diversity = 1, double training = 1, bool onePicture = false) =>
        new(new PromptCase("p", concept, group), guesses.Select(g => new long[] { g, -1, -2 }).ToArray(), guesses, diversity, training, onePicture);

    [Fact]
    public void TheBarsCountHitsPerSampleCoursePromptsPerPromptAndDiversityAgainstTheConceptsOwn()
    {
        var verdicts = new[]
        {
            Verdict("caption", 1, [1, 1, 1, 2]),                         // 3 of 4
            Verdict("caption", 2, [2, 2, 2, 2], diversity: 0.4),          // 4 of 4, too alike (0.4 < 0.5 x 1)
            Verdict("paraphrase", 3, [3, 0, 0, 0], onePicture: true),
            Verdict("course", 4, [4, 4, 4, 4, 4, 4, 4, 0]),               // 7 of 8: recognised
            Verdict("course", 5, [5, 5, 5, 5, 5, 5, 0, 0]),               // 6 of 8: not
        };
        var bars = ConceptEvaluation.Bars(verdicts).ToDictionary(b => b.Key);
        Assert.Equal(7.0 / 8, bars["caption_hit_rate"].Value, 12);
        Assert.False(bars["caption_hit_rate"].Met);
        Assert.Equal(0.25, bars["paraphrase_hit_rate"].Value, 12);
        Assert.Equal(0.5, bars["course_prompts_recognised"].Value, 12);
        Assert.Equal(4.0 / 5, bars["diverse_prompts"].Value, 12);
        Assert.Equal(1.0 / 5, bars["one_picture_prompts"].Value, 12);
        Assert.False(bars["one_picture_prompts"].Met);
        Assert.True(ConceptEvaluation.Bars([Verdict("caption", 1, [1, 1])]).Single(b => b.Key == "one_picture_prompts").Met);
    }
}
