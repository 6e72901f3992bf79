using System.IO.Compression;

namespace Diffusion.Data;

/// <summary>
/// gzip whose header carries no timestamp and a fixed OS byte, so the same input always gives the
/// same file (with the same .NET runtime's deflate) and committed data files do not churn.
/// </summary>
public static class DeterministicGzip
{
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            gz.Write(data);
        var bytes = buffer.ToArray();
        if (bytes.Length < 10 || bytes[0] != 0x1f || bytes[1] != 0x8b || bytes[2] != 8 || bytes[3] != 0)
            throw new InvalidOperationException("GZipStream wrote an unexpected header; cannot make it deterministic.");
        // RFC 1952: bytes 4-7 MTIME (0 = none), byte 8 XFL (2 = best compression), byte 9 OS (255 = unknown).
        bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
        bytes[8] = 2;
        bytes[9] = 255;
        return bytes;
    }

    /// <summary>True when the bytes start with the gzip magic number.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}
