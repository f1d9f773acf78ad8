using System.Text.Json.Nodes;
using LDae.Data;
using LDae.Files;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Rows;

namespace LDae.Stamps;

/// <summary>What <see cref="ResultStamp"/> did with one metrics.json: stamped it, found it stamped, or refused it (with why).</summary>
public enum StampOutcome { Stamped, AlreadyStamped, Refused }

/// <summary>One metrics.json of a profile, what was done with it and why (relative to the profile's folder).</summary>
public sealed record StampLine(string File, StampOutcome Outcome, string? Why = null);

/// <summary>
/// Gives the results of a profile that record no content digest of their data (<see cref="RowMetrics.DataDigest"/>)
/// the digest they can be proven to have run on, and their metrics.json its SHA-256: a result is stamped only when the
/// SHA-256 of the data cache file it recorded (<see cref="Provenance.DataSha256"/>) is that of the cache file of its
/// data on this machine, whose contents are read and checked against that SHA-256 — the result was made from these
/// exact bytes, so their content digest is its data's. Anything else is refused and stays out of date: another or no
/// recorded cache SHA-256, a metrics.json that does not match the SHA-256 written with it, a row this checkout does
/// not define, a row a run holds the lock of, an aggregate of seeds that are not all stamped. Nothing is guessed.
/// <para>A cache file that no longer exists (its key held the source's modification time, so a re-provisioned copy
/// of the same archive is cached anew) can be vouched for by reproduction: when a rerun of a result that recorded it
/// gives that result's numbers exactly on this machine's data (a run is a pure function of data, configuration, seed
/// and threads), the caller passes its SHA-256 in <paramref name="reproduced"/> and results recording it are stamped
/// with this data's digest.</para>
/// </summary>
public sealed class ResultStamp(ExperimentRegistry registry, ResultStore store, string repoRoot, TextWriter log, IReadOnlySet<string>? reproduced = null)
{
    readonly Dictionary<DatasetSpec, (string CacheSha256, string Digest)> current = [];

    /// <summary>Stamps every result of <paramref name="profile"/> that can be proven (with <paramref name="dryRun"/>: says which it would).</summary>
    public IReadOnlyList<StampLine> Stamp(string profile, bool dryRun = false)
    {
        var root = Path.Combine(store.Root, profile);
        if (!Directory.Exists(root)) return [];
        // Runs (one seed's, a one-seed row's) before aggregates, which are stamped only when all their seeds are.
        var files = Directory.EnumerateFiles(root, "metrics.json", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Select(f => (File: f, Text: File.ReadAllText(f)))
            .Select(x => (x.File, x.Text, Metrics: TryParse(x.Text, x.File)))
            .OrderBy(x => x.Metrics?.Seeds is not null)
            .ThenBy(x => x.File, StringComparer.Ordinal)
            .ToList();
        var proven = new Dictionary<string, string>(StringComparer.Ordinal); // metrics.json → the digest its result records once stamped
        var lines = new List<StampLine>();
        foreach (var (file, text, metrics) in files)
        {
            var line = StampOne(profile, file, text, metrics, proven, dryRun) with { File = Path.GetRelativePath(root, file) };
            lines.Add(line);
            log.WriteLine(line.Outcome switch
            {
                StampOutcome.Stamped => $"{(dryRun ? "would stamp" : "stamped")} {line.File}: {line.Why}",
                StampOutcome.AlreadyStamped => $"stamped already {line.File}",
                _ => $"refused {line.File}: {line.Why}",
            });
        }
        return lines;
    }

    StampLine StampOne(string profile, string file, string text, RowMetrics? m, Dictionary<string, string> proven, bool dryRun)
    {
        if (m is null) return Refused("not a metrics file");
        var check = VerifiedFile.Check(file);
        if (m.DataDigest is { } recorded)
        {
            if (!check.Usable) return Refused($"it records a data digest, but {check.Reason}");
            proven[file] = recorded;
            return new StampLine(file, StampOutcome.AlreadyStamped);
        }
        if (check.Exists && File.Exists(VerifiedFile.DigestPath(file)) && !check.Usable) return Refused(check.Reason!);
        if (!registry.TryRow(m.Row, out _)) return Refused($"row {m.Row} is not defined in experiments/");
        if (m.Provenance.DataSha256 is not { } recordedCache) return Refused("it records no data_sha256, so nothing proves which data it ran on");
        DatasetSpec spec;
        try { spec = RunSettings.Dataset(registry.Resolve(m.Row, profile, OverridesOf(m)), repoRoot); }
        catch (Exception e) when (e is InputException or ArgumentException) { return Refused($"its configuration does not resolve ({e.Message})"); }
        var (cacheSha, digest) = Current(spec);
        if (recordedCache != cacheSha && reproduced?.Contains(recordedCache) != true)
            return Refused($"it records data_sha256 {DataCheck.Short(recordedCache)}, but this machine's {spec.Name} cache is {DataCheck.Short(cacheSha)}");
        if (m.Seeds is { } seeds)
        {
            var dir = Path.GetDirectoryName(file)!;
            foreach (var k in seeds.Values.Select(v => v.Seed))
            {
                var seedFile = Path.Combine(dir, $"{SeedRuns.FolderPrefix}{k}", "metrics.json");
                if (proven.GetValueOrDefault(seedFile) != digest) return Refused($"its seed {k} ({SeedRuns.FolderPrefix}{k}/metrics.json) is not stamped with this data's digest");
            }
        }
        proven[file] = digest;
        if (dryRun) return new StampLine(file, StampOutcome.Stamped, $"data digest {DataCheck.Short(digest)}");
        try
        {
            using var runLock = RunLock.Acquire(new RowPaths(Path.GetDirectoryName(file)!).Lock, TimeSpan.Zero);
            if (File.ReadAllText(file) != text) return Refused("it changed while being stamped");
            VerifiedFile.WriteText(file, WithDataDigest(text, digest));
        }
        catch (IOException e) when (e is not StorageException)
        {
            proven.Remove(file);
            return Refused($"a run holds its lock ({e.Message})");
        }
        return new StampLine(file, StampOutcome.Stamped, $"data digest {DataCheck.Short(digest)}");

        StampLine Refused(string why) => new(file, StampOutcome.Refused, why);
    }

    /// <summary>The SHA-256 of the cache file of <paramref name="spec"/>'s data on this machine (its contents read and checked against it) and its content digest.</summary>
    (string CacheSha256, string Digest) Current(DatasetSpec spec)
    {
        if (current.TryGetValue(spec, out var known)) return known;
        using var splits = Datasets.Load(spec, Datasets.DefaultCacheDir(), log);
        return current[spec] = (splits.Sha256!, splits.ContentDigest!);
    }

    /// <summary>
    /// The metrics.json <paramref name="text"/> with <c>data_digest</c> added as a line of its own where
    /// <see cref="RowMetrics"/> writes it (after the tokenizer fields) and no other byte changed, so a stamped result's
    /// diff is that one line. A file not laid out as <see cref="RowMetrics.ToJson"/> lays it out is written anew.
    /// </summary>
    public static string WithDataDigest(string text, string digest)
    {
        var names = JsonNode.Parse(text)!.AsObject().Select(p => p.Key).ToList();
        int after = Math.Max(names.IndexOf("tokenizer_weights"), names.IndexOf("tokenizer"));
        var line = $"  \"data_digest\": \"{digest}\"";
        if (after >= 0 && after + 1 < names.Count && text.IndexOf($"\n  \"{names[after + 1]}\":", StringComparison.Ordinal) is var at and >= 0)
        {
            var stamped = text.Insert(at + 1, line + ",\n");
            if (RowMetrics.FromJson(stamped, "stamped").DataDigest == digest) return stamped;
        }
        return (RowMetrics.FromJson(text, "metrics.json") with { DataDigest = digest }).ToJson();
    }

    static ConfigOverrides OverridesOf(RowMetrics m) =>
        m.Overrides is { } set ? ConfigOverrides.Parse(set.Select(kv => $"{kv.Key}={kv.Value}")) : ConfigOverrides.None;

    static RowMetrics? TryParse(string text, string file)
    {
        try { return RowMetrics.FromJson(text, file); }
        catch (InvalidDataException) { return null; }
    }
}
