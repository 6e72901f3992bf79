using System.CommandLine;
using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Text;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `emoji-64`: makes data/emoji-64/ (the 64 x 64 text-to-image set, six art styles, and its prompt embeddings) from
/// Debian and npm packages. Committed already, so normally it only checks; --force re-creates.
/// </summary>
public sealed class Emoji64Verb : IVerb
{
    readonly Option<bool> _force = KitOptions.Flag("--force", "re-create everything even when present and valid");
    readonly Option<string> _out = KitOptions.Text("--out", "another folder", EmojiSet64Builder.DefaultFolder, "DIR");

    public Command Command { get; }

    public Emoji64Verb() => Command = KitOptions.Verb("emoji-64", """
        create/check data/emoji-64/: the 64x64 text-to-image set (six art styles, one held out) and prompt embeddings
        Checks data/emoji-64/ and creates what is missing or stale (idempotent):
        atlas.png + concepts.json: every concept of tools/Diffusion.Kit/DataBuilding/EmojiConcepts64.cs in six art styles
          (Noto, EmojiOne 2 from Debian; Twemoji, OpenMoji, Fluent flat and modern from npm, fetched with `npm pack`
          into .cache/npm), 64x64 on white; Twemoji is held out of training. Each source's licence is checked first.
        prompts.emb: all-MiniLM-L6-v2 embeddings of every caption, the course's prompts and "" (needs the encoder to load).
        """, Run, _force, _out);

    int Run(ParseResult parse, CancellationToken cancel)
    {
        bool force = parse.GetValue(_force);
        string folder = parse.GetValue(_out)!;

        var problem = EmojiSet64Builder.Problem(folder);
        if (problem is null && !force)
            Console.WriteLine($"emoji-64: {folder} holds the current set ({EmojiSet.ReadFile(folder).Pictures.Count} pictures, {EmojiConcepts64.All.Count} concepts).");
        else
        {
            Console.WriteLine(force ? "emoji-64: --force, re-creating the set." : $"emoji-64: {problem}; creating.");
            var debian = EmojiSources.Fetch(log: Console.WriteLine);
            var sources = EmojiArtStyles.Fetch(debian, log: Console.WriteLine);
            EmojiSet64Builder.Build(sources, debian, folder, log: Console.WriteLine);
        }
        cancel.ThrowIfCancellationRequested();

        var tablePath = Path.Combine(folder, TextEncoder.TableFile);
        var wanted = EmojiConcepts.CoursePrompts.Append(EmojiConcepts.GenericPrompt)
            .Concat(EmojiSet.ReadFile(folder).Concepts.SelectMany(c => c.Captions))
            .Select(PromptEmbeddings.Key).Distinct(StringComparer.Ordinal).ToList();
        var existing = File.Exists(tablePath) ? PromptEmbeddings.Load(tablePath) : null;
        var lacking = existing is null ? wanted.Count : wanted.Count(p => !existing.Contains(p));
        if (existing is not null && lacking == 0 && !force)
            Console.WriteLine($"emoji-64: {tablePath} has all {wanted.Count} prompts.");
        else
        {
            Console.WriteLine($"emoji-64: embedding {wanted.Count} prompts with {TextEncoder.ModelName}" + (existing is null ? "" : $" ({lacking} were missing)"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var table = TextEncoder.BuildTable(wanted);
            table.Save(tablePath);
            Console.WriteLine($"emoji-64: wrote {tablePath} ({table.Count} prompts, {new FileInfo(tablePath).Length / 1024} KiB) in {clock.Elapsed.TotalSeconds:F1} s.");
        }
        return 0;
    }
}
