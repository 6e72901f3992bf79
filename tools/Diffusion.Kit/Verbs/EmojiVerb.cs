using System.CommandLine;
using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Text;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `emoji`: makes data/emoji/ (the text-to-image concept set and its prompt embeddings) from Debian packages.
/// Committed already, so normally it only checks; --force re-creates.
/// </summary>
public sealed class EmojiVerb : IVerb
{
    readonly Option<bool> _force = KitOptions.Flag("--force", "re-create everything even when present and valid");
    readonly Option<string> _out = KitOptions.Text("--out", "another folder", EmojiSet.DefaultFolder, "DIR");

    public Command Command { get; }

    public EmojiVerb() => Command = KitOptions.Verb("emoji", """
        create/check data/emoji/: the text-to-image concept set (Noto + EmojiOne art) and prompt embeddings
        Checks data/emoji/ and creates what is missing or stale (idempotent):
        atlas.png + concepts.json: every curated concept (lib/Data/EmojiConcepts.cs) in both art styles, 32x32 on white,
          from Debian fonts-noto-color-emoji and ruby-gemojione (`apt-get download` + `dpkg-deb -x` into .cache/deb,
          nothing is installed) and names from unicode-data's emoji-test.txt;
        prompts.emb: all-MiniLM-L6-v2 embeddings of every caption, the course's prompts and "" (needs the encoder to load).
        """, Run, _force, _out);

    int Run(ParseResult parse, CancellationToken cancel)
    {
        bool force = parse.GetValue(_force);
        string folder = parse.GetValue(_out)!;

        var problem = EmojiSet.Problem(folder);
        if (problem is null && !force)
            Console.WriteLine($"emoji: {folder} holds the current concept set ({EmojiSet.ReadFile(folder).Pictures.Count} pictures, {EmojiConcepts.All.Count} concepts).");
        else
        {
            Console.WriteLine(force ? "emoji: --force, re-creating the concept set." : $"emoji: {problem}; creating.");
            var sources = EmojiSources.Fetch(log: Console.WriteLine);
            EmojiSetBuilder.Build(sources, folder, Console.WriteLine);
        }
        cancel.ThrowIfCancellationRequested();

        var tablePath = Path.Combine(folder, TextEncoder.TableFile);
        var wanted = EmojiConcepts.AllPrompts().Concat(EmojiSet.ReadFile(folder).Concepts.SelectMany(c => c.Captions))
            .Select(PromptEmbeddings.Key).Distinct(StringComparer.Ordinal).ToList();
        var existing = File.Exists(tablePath) ? PromptEmbeddings.Load(tablePath) : null;
        var lacking = existing is null ? wanted.Count : wanted.Count(p => !existing.Contains(p));
        if (existing is not null && lacking == 0 && !force)
            Console.WriteLine($"emoji: {tablePath} has all {wanted.Count} prompts.");
        else
        {
            Console.WriteLine($"emoji: embedding {wanted.Count} prompts with {TextEncoder.ModelName}" + (existing is null ? "" : $" ({lacking} were missing)"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var table = TextEncoder.BuildTable(wanted);
            table.Save(tablePath);
            Console.WriteLine($"emoji: wrote {tablePath} ({table.Count} prompts, {new FileInfo(tablePath).Length / 1024} KiB) in {clock.Elapsed.TotalSeconds:F1} s.");
        }
        return 0;
    }
}
