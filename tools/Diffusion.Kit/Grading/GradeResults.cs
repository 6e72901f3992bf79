using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// How `grade` runs each submission. <paramref name="AllowReferenceCalls"/>: a solution may call the library's own
/// implementation of what it must write. <paramref name="Secret"/>: the seed every probe is drawn from (a fresh
/// random one per run unless given, so no submission can know its inputs in advance).
/// </summary>
public sealed record GradingOptions(
    Runtime.KitMode Mode,
    TimeSpan CellTimeout,
    TimeSpan SubmissionTimeout,
    long MemoryLimitBytes,
    int Threads,
    int MaxAttempts = 3,
    bool AllowReferenceCalls = false,
    long? Secret = null);

/// <summary>One hidden test's points for one submission, with the reason when it earned none.</summary>
public sealed record TestGrade(int Index, string Section, double Points, double Earned, string? Reason);

/// <summary>One student's notebook: its tests, what happened on the way (notes), and the run of its cells.</summary>
public sealed record NotebookGrade(
    string Student,
    string Notebook,
    string? Submission,
    IReadOnlyList<TestGrade> Tests,
    IReadOnlyList<string> Notes,
    NotebookResult? Run,
    double Seconds)
{
    public double Earned => Tests.Sum(t => t.Earned);
    public double Possible => Tests.Sum(t => t.Points);

    /// <summary>Points per section, in the order the sections first appear.</summary>
    public IEnumerable<(string Section, double Earned, double Possible)> Sections() =>
        Tests.GroupBy(t => t.Section).Select(g => (g.Key, g.Sum(t => t.Earned), g.Sum(t => t.Points)));

    public static NotebookGrade Zero(string student, string notebook, string? submission, IReadOnlyList<HiddenTest> tests, string reason, double seconds = 0) =>
        new(student, notebook, submission, tests.Select(t => new TestGrade(t.Index, t.Section, t.Points, 0, reason)).ToList(), [reason], null, seconds);
}
