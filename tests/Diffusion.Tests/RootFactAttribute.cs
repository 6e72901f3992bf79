namespace Diffusion.Tests;

/// <summary>
/// A test that needs root: the grader confines submissions only when run as root, so what it keeps out can be checked
/// only then. As any other user the test is reported as skipped, with the reason, never as passed.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!(OperatingSystem.IsLinux() && Environment.UserName == "root"))
            Skip = "needs root: the grader confines submissions (own root, user id, namespaces) only when run as root.";
    }
}
