namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Which part B an instructor teaches: the DDPM version (B2, B3) or the course's current flow-matching version
/// (B4, B5), or both. The setup notebook, part A and B1 (1.1 - 1.2.2, shared by both versions) belong to every track.
/// </summary>
public enum CourseTrack { Both, Ddpm, FlowMatching }

public static class CourseTracks
{
    static readonly string[] DdpmOnly = ["B2-time-conditioned-ddpm", "B3-class-conditioned-ddpm"];
    static readonly string[] FlowOnly = ["B4-flow-matching-time", "B5-flow-matching-class"];

    public static CourseTrack Parse(string text, string argumentName) => text switch
    {
        "both" => CourseTrack.Both,
        "ddpm" => CourseTrack.Ddpm,
        "fm" or "flow-matching" => CourseTrack.FlowMatching,
        _ => throw new ArgumentException($"{argumentName} must be ddpm, fm (flow matching) or both, got '{text}'.", argumentName),
    };

    public static string Name(this CourseTrack track) => track switch
    {
        CourseTrack.Ddpm => "ddpm",
        CourseTrack.FlowMatching => "fm",
        _ => "both",
    };

    /// <summary>True when the notebook (a path or a name) is handed out on <paramref name="track"/>.</summary>
    public static bool Includes(this CourseTrack track, string notebook)
    {
        var name = Path.GetFileNameWithoutExtension(notebook);
        return track switch
        {
            CourseTrack.Ddpm => !FlowOnly.Contains(name),
            CourseTrack.FlowMatching => !DdpmOnly.Contains(name),
            _ => true,
        };
    }

    /// <summary>The part B version a set of notebooks teaches, in words for the report: what ran, not what was asked.</summary>
    public static string Describe(IEnumerable<string> notebooks)
    {
        var names = notebooks.Select(Path.GetFileNameWithoutExtension).ToHashSet();
        bool ddpm = DdpmOnly.Any(names.Contains), flow = FlowOnly.Any(names.Contains);
        return (ddpm, flow) switch
        {
            (true, true) => "both versions, DDPM (B2, B3) and flow matching (B4, B5)",
            (true, false) => "the DDPM version (B2, B3)",
            (false, true) => "the flow-matching version (B4, B5)",
            _ => "neither version (no B2-B5 notebook ran)",
        };
    }
}
