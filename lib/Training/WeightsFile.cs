using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// The kit's own weights format: a JSON header (architecture and anything the caller adds) and each
/// state tensor by name, dtype and shape, so loading the wrong architecture or a damaged file gives an
/// error that says which. Floating tensors can be stored in half precision to keep shipped models small.
/// Writes go to a temporary file renamed into place, so a crash never leaves half a file behind.
/// </summary>
public static class WeightsFile
{
    const string Magic = "DIFFKIT-WEIGHTS-1";

    public static void Save(string path, nn.Module module, string architecture, bool half,
        IReadOnlyDictionary<string, string>? extra = null, Action<BinaryWriter>? appendix = null)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            var header = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["architecture"] = architecture };
            w.Write(JsonSerializer.Serialize(header));
            var state = module.state_dict();
            w.Write(state.Count);
            foreach (var (name, tensor) in state)
            {
                using var cpu = tensor.detach().cpu().contiguous();
                w.Write(name);
                w.Write((int)cpu.ndim);
                foreach (var d in cpu.shape) w.Write(d);
                switch (cpu.dtype)
                {
                    case ScalarType.Float32 when half:
                        w.Write((byte)'h');
                        foreach (var v in cpu.data<float>()) w.Write((Half)v);
                        break;
                    case ScalarType.Float32:
                        w.Write((byte)'f');
                        foreach (var v in cpu.data<float>()) w.Write(v);
                        break;
                    case ScalarType.Int64:
                        w.Write((byte)'l');
                        foreach (var v in cpu.data<long>()) w.Write(v);
                        break;
                    default:
                        throw new NotSupportedException($"state tensor {name} has dtype {cpu.dtype}; the weights file stores float32 and int64.");
                }
            }
            appendix?.Invoke(w);
        });
    }

    /// <summary>Reads only the header (architecture and extras) of a weights file.</summary>
    public static IReadOnlyDictionary<string, string> ReadHeader(string path)
    {
        using var r = Open(path);
        return ReadHeader(r, path);
    }

    /// <summary>
    /// Loads weights into <paramref name="module"/>, which must have the architecture named in the file.
    /// <paramref name="appendix"/> reads whatever the writer appended (e.g. optimizer state).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Load(string path, nn.Module module, string architecture, Action<BinaryReader>? appendix = null)
    {
        using var r = Open(path);
        var header = ReadHeader(r, path);
        if (header.GetValueOrDefault("architecture") != architecture)
            throw new InvalidDataException(
                $"{path} holds a {header.GetValueOrDefault("architecture", "?")} model; expected {architecture}. Pick the checkpoint made for this model.");
        var state = module.state_dict();
        try
        {
            int count = r.ReadInt32();
            if (count != state.Count)
                throw new InvalidDataException($"{path} has {count} tensors; {architecture} has {state.Count}.");
            using var _ = no_grad();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                int ndim = r.ReadInt32();
                var shape = new long[ndim];
                for (int k = 0; k < ndim; k++) shape[k] = r.ReadInt64();
                char kind = (char)r.ReadByte();
                if (!state.TryGetValue(name, out var target))
                    throw new InvalidDataException($"{path} has a tensor '{name}' that {architecture} does not have.");
                if (!target.shape.SequenceEqual(shape))
                    throw new InvalidDataException(
                        $"{path}: '{name}' is {string.Join("x", shape)}, but {architecture} needs {string.Join("x", target.shape)}.");
                long n = shape.Aggregate(1L, (a, b) => a * b);
                using var loaded = kind switch
                {
                    'h' => tensor(ReadArray(r, n, rr => (float)rr.ReadHalf()), shape),
                    'f' => tensor(ReadArray(r, n, rr => rr.ReadSingle()), shape),
                    'l' => tensor(ReadArray(r, n, rr => rr.ReadInt64()), shape),
                    _ => throw new InvalidDataException($"{path}: tensor '{name}' has an unknown storage kind '{kind}'."),
                };
                target.copy_(loaded);
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} ends early: the file is truncated. Re-create it with the kit's train command.");
        }
        appendix?.Invoke(r);
        return header;
    }

    static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No weights file at {path}.", path);
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8, leaveOpen: false);
    }

    static Dictionary<string, string> ReadHeader(BinaryReader r, string path)
    {
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"{path} is not a kit weights file (bad magic).");
            return JsonSerializer.Deserialize<Dictionary<string, string>>(r.ReadString())
                   ?? throw new InvalidDataException($"{path} has an empty header.");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException and not FileNotFoundException)
        {
            throw new InvalidDataException($"{path} is not a kit weights file or is damaged: {e.Message}");
        }
    }

    static T[] ReadArray<T>(BinaryReader r, long n, Func<BinaryReader, T> read)
    {
        var a = new T[n];
        for (long i = 0; i < n; i++) a[i] = read(r);
        return a;
    }
}
