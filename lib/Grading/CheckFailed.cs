namespace Diffusion.Grading;

/// <summary>A hidden test's check did not hold; the message says what was compared, what was expected and what came.</summary>
public sealed class CheckFailed(string message) : Exception(message);
