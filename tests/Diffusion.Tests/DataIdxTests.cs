using Diffusion.Data;

namespace Diffusion.Tests;

public sealed class DataIdxTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("idx-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static IdxArray Images(int n) => new([n, 2, 3], Enumerable.Range(0, n * 6).Select(i => (byte)(i * 7)).ToArray());

    [Theory]
    [InlineData("a-idx3-ubyte")]
    [InlineData("a-idx3-ubyte.gz")]
    public void Round_trip_keeps_shape_and_bytes(string name)
    {
        var path = Path.Combine(_dir, name);
        IdxFile.Write(path, Images(4));
        var back = IdxFile.Read(path);
        Assert.Equal([4, 2, 3], back.Shape);
        Assert.Equal(Images(4).Data, back.Data);
        var head = File.ReadAllBytes(path)[..4];
        Assert.Equal(name.EndsWith(".gz") ? new byte[] { 0x1f, 0x8b, 8, 0 } : new byte[] { 0, 0, 8, 3 }, head);
    }

    [Fact]
    public void Gzip_output_has_no_timestamp_and_is_reproducible()
    {
        var a = Path.Combine(_dir, "a.gz");
        var b = Path.Combine(_dir, "b.gz");
        IdxFile.Write(a, Images(50));
        Thread.Sleep(1100); // a timestamp in the header would now differ
        IdxFile.Write(b, Images(50));
        var bytes = File.ReadAllBytes(a);
        Assert.Equal(bytes, File.ReadAllBytes(b));
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, bytes[4..8]);
    }

    [Fact]
    public void Truncated_raw_file_names_the_file_and_the_byte()
    {
        var path = Path.Combine(_dir, "cut-idx3-ubyte");
        IdxFile.Write(path, Images(4));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"truncated at byte {bytes.Length - 5}", e.Message);
    }

    [Fact]
    public void Truncated_gzip_file_names_the_file()
    {
        var path = Path.Combine(_dir, "cut-idx3-ubyte.gz");
        IdxFile.Write(path, new IdxArray([200, 28, 28], Enumerable.Range(0, 200 * 784).Select(i => (byte)(i * 31 % 251)).ToArray()));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Bad_magic_is_reported()
    {
        var path = Path.Combine(_dir, "bad");
        File.WriteAllBytes(path, [0x50, 0x4B, 3, 4, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("bad magic number 0x504B0304", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_match()
    {
        var images = Path.Combine(_dir, "train-images-idx3-ubyte");
        var labels = Path.Combine(_dir, "train-labels-idx1-ubyte");
        IdxFile.Write(images, new IdxArray([3, 28, 28], new byte[3 * 784]));
        IdxFile.Write(labels, new IdxArray([2], [1, 2]));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load("train", _dir));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void Loader_reads_raw_files_into_a_unit_range_tensor()
    {
        var pixels = new byte[2 * 784];
        pixels[0] = 255; pixels[1] = 51; pixels[784 + 783] = 102;
        IdxFile.Write(Path.Combine(_dir, "t10k-images-idx3-ubyte"), new IdxArray([2, 28, 28], pixels));
        IdxFile.Write(Path.Combine(_dir, "t10k-labels-idx1-ubyte"), new IdxArray([2], [7, 3]));
        using var set = Mnist.Load("test", _dir);
        Assert.Equal([2L, 1, 28, 28], set.Images.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, set.Images.dtype);
        Assert.Equal([7L, 3], set.Labels);
        Assert.Equal(1f, set.Images[0, 0, 0, 0].item<float>());
        Assert.Equal(0.2f, set.Images[0, 0, 0, 1].item<float>(), 6);
        Assert.Equal(0.4f, set.Images[1, 0, 27, 27].item<float>(), 6);
    }

    [Fact]
    public void Missing_files_say_what_to_run()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load("train", _dir));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("data", e.Message);
        var f = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load("test", _dir));
        Assert.Contains("apt-get install dataset-fashion-mnist", f.Message);
    }

    [Fact]
    public void Unknown_split_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Mnist.Load("validation", _dir));
        Assert.Contains("\"train\" or \"test\"", e.Message);
    }
}
