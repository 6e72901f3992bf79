using System.Buffers.Binary;
using System.IO.Compression;

namespace Diffusion.Data;

/// <summary>
/// Reads and writes IDX files (yann.lecun.com/exdb/mnist): magic 0x00 0x00 type ndims, then ndims big-endian
/// int32 sizes, then the values. Only unsigned bytes (type 0x08) are supported, which is what MNIST and
/// Fashion-MNIST use. Files may be gzipped (detected by content, not name). Every error names the file.
/// </summary>
public static class IdxFile
{
    const byte UnsignedByte = 0x08;

    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (DeterministicGzip.IsGzip(bytes)) bytes = Gunzip(bytes, path);
        return Parse(bytes, path);
    }

    /// <summary>Writes <paramref name="array"/>; gzipped (deterministically) when the name ends in .gz.</summary>
    public static void Write(string path, IdxArray array)
    {
        byte[] raw = Serialize(array);
        byte[] bytes = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? DeterministicGzip.Compress(raw) : raw;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    public static byte[] Serialize(IdxArray array)
    {
        long expected = array.Shape.Aggregate(1L, (a, b) => a * b);
        if (array.Shape.Length is < 1 or > 255 || array.Shape.Any(d => d < 0) || expected != array.Data.Length)
            throw new ArgumentException($"shape {array.ShapeText} does not match {array.Data.Length} values.", nameof(array));
        int header = 4 + 4 * array.Shape.Length;
        var bytes = new byte[header + array.Data.Length];
        bytes[2] = UnsignedByte;
        bytes[3] = (byte)array.Shape.Length;
        for (int i = 0; i < array.Shape.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), array.Shape[i]);
        array.Data.CopyTo(bytes, header);
        return bytes;
    }

    /// <summary>Parses IDX bytes (already decompressed); <paramref name="path"/> is only used in errors.</summary>
    public static IdxArray Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 4)
            throw Bad(path, $"truncated at byte {bytes.Length}: the 4-byte magic number is incomplete");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw Bad(path, $"bad magic number 0x{bytes[0]:X2}{bytes[1]:X2}{bytes[2]:X2}{bytes[3]:X2}: an IDX file starts with two zero bytes");
        if (bytes[2] != UnsignedByte)
            throw Bad(path, $"bad magic number: data type 0x{bytes[2]:X2} is not supported, only unsigned bytes (0x08)");
        int dims = bytes[3];
        if (dims == 0) throw Bad(path, "bad magic number: zero dimensions");
        int header = 4 + 4 * dims;
        if (bytes.Length < header)
            throw Bad(path, $"truncated at byte {bytes.Length}: the header of {dims} dimensions needs {header} bytes");
        var shape = new int[dims];
        long total = 1;
        for (int i = 0; i < dims; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (shape[i] < 0) throw Bad(path, $"dimension {i} has a negative size {shape[i]}");
            total *= shape[i];
        }
        long expected = header + total;
        if (bytes.Length < expected)
            throw Bad(path, $"truncated at byte {bytes.Length}: shape {string.Join(" x ", shape)} needs {expected} bytes");
        if (bytes.Length > expected)
            throw Bad(path, $"{bytes.Length - expected} unexpected bytes after the data of shape {string.Join(" x ", shape)}");
        return new IdxArray(shape, bytes.AsSpan(header).ToArray());
    }

    static byte[] Gunzip(byte[] compressed, string path)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            var output = new MemoryStream(compressed.Length * 4);
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw Bad(path, $"the gzip data is corrupt or truncated ({compressed.Length} compressed bytes): {e.Message}");
        }
    }

    static InvalidDataException Bad(string path, string what) => new($"{path}: {what}.");
}
