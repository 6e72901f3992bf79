namespace Diffusion.Kit.Grading;

/// <summary>
/// A block of 1,000 user ids claimed for one `grade` run, so two runs at once never give two attempts the same id.
/// The claim is a file created exclusively in a root-only folder and holding the claimer's process id; a claim whose
/// process is gone is taken over.
/// </summary>
public sealed class UserIds : IDisposable
{
    const string Folder = "/run/diffusion-grader";
    const uint First = 200_000, BlockSize = 1_000, Blocks = 4_000;
    readonly string _claim;
    int _next;

    UserIds(string claim, uint first) { _claim = claim; FirstId = first; }

    public uint FirstId { get; }

    public static UserIds Claim()
    {
        Directory.CreateDirectory(Folder);
        Unix.SetMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        int start = Random.Shared.Next((int)Blocks);
        for (int k = 0; k < Blocks; k++)
        {
            uint block = (uint)((start + k) % Blocks);
            var claim = Path.Combine(Folder, $"block-{block}");
            for (int tries = 0; tries < 2; tries++)
            {
                try
                {
                    using (var file = new FileStream(claim, FileMode.CreateNew, FileAccess.Write))
                    using (var writer = new StreamWriter(file)) writer.Write(Environment.ProcessId);
                    return new UserIds(claim, First + block * BlockSize);
                }
                catch (IOException) when (File.Exists(claim))
                {
                    if (!IsStale(claim)) break;
                    try { File.Delete(claim); } catch (IOException) { break; }
                }
            }
        }
        throw new InvalidOperationException($"grade: every block of user ids in {Folder} is claimed by a running grader.");
    }

    /// <summary>The next id of the block (an attempt's own).</summary>
    public uint Next() => FirstId + (uint)(Interlocked.Increment(ref _next) % BlockSize);

    static bool IsStale(string claim)
    {
        try { return int.TryParse(File.ReadAllText(claim), out int pid) && !Directory.Exists($"/proc/{pid}"); }
        catch (IOException) { return false; }
    }

    public void Dispose()
    {
        try { File.Delete(_claim); } catch (IOException) { }
    }
}
