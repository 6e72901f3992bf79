using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Diffusion.Kit;

/// <summary>
/// The kit's options and arguments, declared once with their type, default and range: the help is generated from them
/// and a bad value is refused before the verb runs, with a message that names the option and what it expects.
/// Numbers are read in the invariant culture; an option that is absent gets its default, or null for the *OrNull kinds.
/// </summary>
public static class KitOptions
{
    /// <summary>
    /// A verb: its name, its description (the first line is its summary in the verb list), what it takes (options,
    /// arguments, and commands for its parts) and what it runs.
    /// </summary>
    public static Command Verb(string name, string description, Func<ParseResult, CancellationToken, Task<int>> run, params Symbol[] takes)
    {
        var command = new Command(name, description);
        foreach (var symbol in takes)
        {
            if (symbol is Option option) command.Add(option);
            else if (symbol is Command part) command.Add(part);   // a verb's part, like `grade merge`
            else command.Add((Argument)symbol);
        }
        command.SetAction(run);
        return command;
    }

    /// <summary>A verb whose work is synchronous.</summary>
    public static Command Verb(string name, string description, Func<ParseResult, CancellationToken, int> run, params Symbol[] takes) =>
        Verb(name, description, (parse, cancel) => Task.FromResult(run(parse, cancel)), takes);

    /// <summary>A flag: present means true (`--grid`), and `--grid false` is accepted; it never takes a word that is not true or false.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<string> Text(string name, string description, string @default, string helpName = "TEXT") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => @default };

    public static Option<string?> TextOrNull(string name, string description, string helpName = "TEXT") =>
        new(name) { Description = description, HelpName = helpName };

    public static Option<int> Int(string name, string description, int @default, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => @default, CustomParser = r => ParseInt(r, name, min, max) };

    public static Option<int?> IntOrNull(string name, string description, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        new(name) { Description = description, HelpName = helpName, CustomParser = r => ParseInt(r, name, min, max) };

    public static Option<long> Long(string name, string description, long @default, long min = long.MinValue, long max = long.MaxValue, string helpName = "K") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => @default, CustomParser = r => ParseLong(r, name, min, max) };

    public static Option<long?> LongOrNull(string name, string description, long min = long.MinValue, long max = long.MaxValue, string helpName = "K") =>
        new(name) { Description = description, HelpName = helpName, CustomParser = r => ParseLong(r, name, min, max) };

    public static Option<double> Double(string name, string description, double @default, double min = double.NegativeInfinity, double max = double.PositiveInfinity, string helpName = "X") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => @default, CustomParser = r => ParseDouble(r, name, min, max) };

    public static Option<double?> DoubleOrNull(string name, string description, double min = double.NegativeInfinity, double max = double.PositiveInfinity, string helpName = "X") =>
        new(name) { Description = description, HelpName = helpName, CustomParser = r => ParseDouble(r, name, min, max) };

    /// <summary>
    /// A value read by one of the kit's own parsers (a mode, a track, a channel list): its ArgumentException becomes the
    /// parse error, so the message is the one the library gives everywhere else. With no default (pass a nullable T)
    /// an absent option reads as null.
    /// </summary>
    public static Option<T> Parsed<T>(string name, string description, Func<string, T> parse, string? @default, string helpName = "VALUE")
    {
        var option = new Option<T>(name) { Description = description, HelpName = helpName, CustomParser = r => Parse(r, parse, r.Tokens.Single().Value) };
        if (@default is not null) option.DefaultValueFactory = r => Parse(r, parse, @default);
        return option;
    }

    /// <summary>
    /// A word one of the kit's parsers reads (a mode, a track, a kernel): checked by that parser, so its message is the
    /// error, and kept as the word, so the help shows the default as it is typed. Read it with the same parser.
    /// </summary>
    public static Option<string> Word<T>(string name, string description, Func<string, T> parse, string @default, string helpName)
    {
        var option = Text(name, description, @default, helpName);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1) Parse(r, parse, r.Tokens[0].Value);
        });
        return option;
    }

    /// <summary>One of a fixed set of words; the help lists them.</summary>
    public static Option<string> Choice(string name, string description, string @default, params string[] values)
    {
        var option = Text(name, description, @default, string.Join('|', values));
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && !values.Contains(r.Tokens[0].Value, StringComparer.Ordinal))
                r.AddError($"{name} must be {Words(values)}, got '{r.Tokens[0].Value}'.");
        });
        return option;
    }

    /// <summary>
    /// The verb's positional words (notebook names, a folder), any number of them. A word that looks like an option is
    /// refused here rather than taken as a name, so a misspelt option says so.
    /// </summary>
    public static Argument<string[]> Words(string name, string description)
    {
        var argument = new Argument<string[]>(name) { Description = description, Arity = ArgumentArity.ZeroOrMore };
        argument.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => t.Value.StartsWith('-') && t.Value.Length > 1) is { } option)
                r.AddError($"unknown option '{option.Value}'.");
        });
        return argument;
    }

    /// <summary>The verb's one positional word (a folder, a notebook), required.</summary>
    public static Argument<string> Positional(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description, Arity = ArgumentArity.ExactlyOne };
        argument.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => t.Value.StartsWith('-') && t.Value.Length > 1) is { } option)
                r.AddError($"unknown option '{option.Value}'.");
        });
        return argument;
    }

    static string Words(string[] values) => values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";

    static int ParseInt(ArgumentResult r, string name, int min, int max)
    {
        var text = r.Tokens.Single().Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        r.AddError($"{name} must be a whole number{Range(min, max, int.MinValue, int.MaxValue)}, got '{text}'.");
        return default;
    }

    static long ParseLong(ArgumentResult r, string name, long min, long max)
    {
        var text = r.Tokens.Single().Value;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        r.AddError($"{name} must be a whole number{Range(min, max, long.MinValue, long.MaxValue)}, got '{text}'.");
        return default;
    }

    static double ParseDouble(ArgumentResult r, string name, double min, double max)
    {
        var text = r.Tokens.Single().Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= min && v <= max) return v;
        r.AddError($"{name} must be a finite number{Range(min, max, double.NegativeInfinity, double.PositiveInfinity)}, got '{text}'.");
        return default;
    }

    static string Range<T>(T min, T max, T lowest, T highest) where T : IEquatable<T>, IFormattable
    {
        string Show(T v) => v.ToString(null, CultureInfo.InvariantCulture);
        return (min.Equals(lowest), max.Equals(highest)) switch
        {
            (true, true) => "",
            (false, true) => $" of at least {Show(min)}",
            (true, false) => $" of at most {Show(max)}",
            _ => $" from {Show(min)} to {Show(max)}",
        };
    }

    static T Parse<T>(SymbolResult r, Func<string, T> parse, string text)
    {
        try { return parse(text); }
        catch (ArgumentException e)
        {
            r.AddError(KitCommandLine.Plain(e));
            return default!;
        }
    }
}
