using System.Buffers.Binary;
using System.Text;

namespace Diffusion.Runtime;

/// <summary>
/// Reads and edits the symbol-version tables of a 64-bit little-endian ELF shared library:
/// the versions it needs from other libraries (.gnu.version_r) and the ones it defines (.gnu.version_d).
/// Used to make TorchSharp's native library load on systems whose libstdc++ is one release too old
/// (see README, "TorchSharp on Debian 12").
/// </summary>
public static class ElfVersionRequirements
{
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    /// <summary>VER_FLG_WEAK: the dynamic loader warns instead of failing when the version is absent.</summary>
    public const ushort WeakFlag = 0x2;

    /// <summary>One version a library needs, with where its flags live in the file.</summary>
    public sealed record Requirement(string Library, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & WeakFlag) != 0;
    }

    /// <summary>The versions the library at <paramref name="path"/> needs, library by library.</summary>
    public static IReadOnlyList<Requirement> ReadRequirements(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var result = new List<Requirement>();
        foreach (var section in Sections(bytes, path).Where(s => s.Type == ShtGnuVerneed))
        {
            var strings = StringTable(bytes, path, section.Link);
            long entry = section.Offset;
            for (int i = 0; i < section.Info; i++)
            {
                ushort count = U16(bytes, entry + 2);
                string file = ReadString(bytes, strings + U32(bytes, entry + 4));
                long aux = entry + U32(bytes, entry + 8);
                for (int j = 0; j < count; j++)
                {
                    ushort flags = U16(bytes, aux + 4);
                    string name = ReadString(bytes, strings + U32(bytes, aux + 8));
                    result.Add(new Requirement(file, name, flags, aux + 4));
                    aux += U32(bytes, aux + 12);
                }
                uint next = U32(bytes, entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>The version names a library defines (for libstdc++: GLIBCXX_3.4, ..., GLIBCXX_3.4.30).</summary>
    public static IReadOnlySet<string> ReadDefinitions(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in Sections(bytes, path).Where(s => s.Type == ShtGnuVerdef))
        {
            var strings = StringTable(bytes, path, section.Link);
            long entry = section.Offset;
            for (int i = 0; i < section.Info; i++)
            {
                ushort count = U16(bytes, entry + 6);
                long aux = entry + U32(bytes, entry + 12);
                // The first auxiliary entry names the version itself; later ones name its parents.
                if (count > 0) names.Add(ReadString(bytes, strings + U32(bytes, aux)));
                uint next = U32(bytes, entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return names;
    }

    /// <summary>
    /// Marks the named version requirements weak, writing a new file beside the old one and renaming
    /// it into place, so a process that already mapped the old file is not disturbed and a crash
    /// mid-write leaves the original intact. Returns how many requirements changed.
    /// </summary>
    public static int MarkWeak(string path, IEnumerable<string> versions)
    {
        var wanted = versions.ToHashSet(StringComparer.Ordinal);
        var toChange = ReadRequirements(path).Where(r => wanted.Contains(r.Version) && !r.IsWeak).ToList();
        if (toChange.Count == 0) return 0;
        var bytes = File.ReadAllBytes(path);
        foreach (var r in toChange)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)r.FlagsOffset, 2), (ushort)(r.Flags | WeakFlag));
        var temp = path + ".patching-" + Environment.ProcessId;
        File.WriteAllBytes(temp, bytes);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        File.Move(temp, path, overwrite: true);
        return toChange.Count;
    }

    readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    static List<Section> Sections(byte[] b, string path)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file.");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file (class {b[4]}, data {b[5]}).");
        long shoff = (long)U64(b, 0x28);
        ushort shentsize = U16(b, 0x3A), shnum = U16(b, 0x3C);
        if (shoff <= 0 || shoff + (long)shentsize * shnum > b.Length)
            throw new InvalidDataException($"{path}: section headers lie outside the file (truncated?).");
        var list = new List<Section>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            list.Add(new Section(U32(b, h + 4), (long)U64(b, h + 24), (long)U64(b, h + 32), U32(b, h + 40), U32(b, h + 44)));
        }
        return list;
    }

    static long StringTable(byte[] b, string path, uint index)
    {
        var sections = Sections(b, path);
        if (index >= sections.Count) throw new InvalidDataException($"{path}: string table index {index} out of range.");
        return sections[(int)index].Offset;
    }

    static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at, 2));
    static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at, 4));
    static ulong U64(byte[] b, long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at, 8));

    static string ReadString(byte[] b, long at)
    {
        int end = Array.IndexOf(b, (byte)0, (int)at);
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
