using System.Globalization;

namespace Diffusion.Kit;

/// <summary>
/// The command line after the verb: positional words and --name value options (--flag alone means true).
/// Every getter names the option in its error, and <see cref="RejectUnknown"/> catches typos.
/// </summary>
public sealed class Args
{
    readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Positional { get; }

    public Args(IEnumerable<string> words)
    {
        var positional = new List<string>();
        var list = words.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var w = list[i];
            if (w.StartsWith("--", StringComparison.Ordinal) && w.Length > 2)
            {
                var name = w[2..];
                string value = "true";
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) value = list[++i];
                _options[name] = value;
            }
            else positional.Add(w);
        }
        Positional = positional;
    }

    public bool Has(string name) { _used.Add(name); return _options.ContainsKey(name); }

    public string? String(string name) { _used.Add(name); return _options.GetValueOrDefault(name); }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public bool Flag(string name) => String(name) is { } v && v != "false";

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new ArgumentException($"--{name} must be a whole number from {min} to {max}, got '{text}'.", name);
        return v;
    }

    public long Long(string name, long fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"--{name} must be a whole number, got '{text}'.", name);
        return v;
    }

    public double Double(string name, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < min || v > max)
            throw new ArgumentException($"--{name} must be a finite number from {min} to {max}, got '{text}'.", name);
        return v;
    }

    /// <summary>Fails on any option the verb never asked about, naming it and the ones it knows.</summary>
    public void RejectUnknown(string verb)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"'{verb}' does not take --{string.Join(", --", unknown)}; it knows --{string.Join(", --", _used.Order())}.");
    }
}
