namespace Diffusion.Kit.Grading.Sections;

/// <summary>Every hidden test the grader can judge, by notebook and section (the section as its marker names it).</summary>
public static class SectionJudges
{
    public static IReadOnlyList<SectionJudge> All { get; } = [.. PartAJudges.All, .. PartBJudges.All, .. FlowMatchingJudges.All];

    public static SectionJudge? Find(string notebook, string section) =>
        All.FirstOrDefault(j => j.Notebook == notebook && j.Section == section);
}
