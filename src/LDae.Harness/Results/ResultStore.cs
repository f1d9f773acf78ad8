using LDae.Files;
using LDae.Harness.Experiments;

namespace LDae.Harness.Results;

/// <summary>
/// The results tree: <c>results/&lt;profile&gt;/&lt;table&gt;/&lt;row&gt;/</c> with metrics.json, config.resolved.yaml,
/// log.jsonl, its CSV, console.log and the weights. Reports, plots and snapshots read only from here. A row folder
/// only ever holds a finished run: a run works in its staging folder beside it (<see cref="RowStaging"/>) and
/// swaps it into place when complete. Every metrics.json is written with its SHA-256 beside it
/// (<see cref="WriteMetrics"/>); one that does not match it is not up to date.
/// </summary>
public sealed class ResultStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public RowPaths Row(string profile, string rowFullId) => new(Path.Combine(Root, profile, rowFullId.Replace('/', Path.DirectorySeparatorChar)));

    public string TokenizerDir(string profile, string artifact) => Path.Combine(Root, profile, "tokenizers", artifact);

    public string ReportDir(string profile) => Path.Combine(Root, profile, "report");

    /// <summary>The result of a row, or null when it has not run. A metrics.json that is not valid JSON is an <see cref="InvalidDataException"/>.</summary>
    public RowMetrics? TryLoad(string profile, string rowFullId)
    {
        var p = Row(profile, rowFullId);
        return File.Exists(p.Metrics) ? RowMetrics.FromJson(File.ReadAllText(p.Metrics), p.Metrics) : null;
    }

    /// <summary>
    /// True when the row has an up-to-date result of this configuration on the data whose content digest is
    /// <paramref name="dataDigest"/> now: the target can be skipped (<see cref="WhyStale(string, string, string, string?)"/>).
    /// </summary>
    public bool IsUpToDate(string profile, string rowFullId, string configHash, string? dataDigest) =>
        WhyStale(profile, rowFullId, configHash, dataDigest) is null;

    /// <summary>
    /// Why the result of <paramref name="rowFullId"/> is not up to date, in one line, or null when it is. Up to date
    /// is: a readable, complete metrics.json (<see cref="IsComplete"/>) of <paramref name="configHash"/> that matches
    /// the SHA-256 written with it, made on the tokenizer weights its artifact folder holds now and on the data whose
    /// content digest is <paramref name="dataDigest"/> now (<see cref="DataCheck"/>). Null <paramref name="dataDigest"/>:
    /// the data's digest cannot be told, so nothing is up to date.
    /// </summary>
    public string? WhyStale(string profile, string rowFullId, string configHash, string? dataDigest)
    {
        var p = Row(profile, rowFullId);
        if (!File.Exists(p.Metrics)) return "no result yet";
        return TryRead(p.Metrics) is { } m ? WhyStale(profile, m, p, configHash, dataDigest) : $"{p.Metrics} is not a metrics file";
    }

    /// <summary><see cref="WhyStale(string, string, string, string?)"/> of the result <paramref name="m"/> read from <paramref name="p"/>.</summary>
    public string? WhyStale(string profile, RowMetrics m, RowPaths p, string configHash, string? dataDigest)
    {
        if (m.ConfigHash != configHash) return $"its result is of config {m.ConfigHash}, not {configHash}";
        if (!IsComplete(m, p)) return "its result is incomplete";
        if (m.DataDigest is null) return DataCheck.WhyStale(null, dataDigest); // what such a result lacks first
        if (VerifiedFile.Check(p.Metrics) is { Usable: false } check) return check.ToString();
        if (!OnCurrentTokenizer(profile, m)) return $"tokenizer {m.TokenizerWeights!.Folder} holds other weights than the result ran on";
        return DataCheck.WhyStale(m.DataDigest, dataDigest);
    }

    /// <summary>
    /// Whether the row ran on the tokenizer weights its artifact folder holds now. The folder is keyed on the config,
    /// so an artifact trained again (its folder deleted and rebuilt) keeps the name and the row its config hash:
    /// only the recorded digest tells the row is out of date. A row without a record (no tokenizer, or written before
    /// it was recorded) or whose artifact is not in this results tree (a clone holds results, not artifacts) is judged
    /// by its config hash alone.
    /// </summary>
    public bool OnCurrentTokenizer(string profile, RowMetrics m) =>
        m.TokenizerWeights is not { } used
        || TokenizerArtifact.WeightsSha256(TokenizerDir(profile, used.Folder)) is not { } now
        || now == used.Sha256;

    /// <summary>The weights of <paramref name="artifact"/> in this results tree, as a row records them; null while it is not built.</summary>
    public TokenizerWeights? WeightsOf(string profile, TokenizerArtifact artifact) =>
        TokenizerArtifact.WeightsSha256(TokenizerDir(profile, artifact.FolderName)) is { } sha ? new TokenizerWeights(artifact.FolderName, sha) : null;

    /// <summary>
    /// Whether <paramref name="m"/> is a finished row: both probes measured (a fine-tuning row: its fine-tuned top-1,
    /// it has no kNN) and, when its folder holds a training log (a pretrained encoder), the training fields too. The
    /// random-init and raw-pixel references have no log.
    /// </summary>
    public static bool IsComplete(RowMetrics m, RowPaths p) =>
        m.ProbeTop1 is not null && (m.KnnTop1 is not null || m.Probe?.Features == ProbeSetup.FineTuned)
        && (!File.Exists(p.Log) || (m.FinalLoss is not null && m.PretrainSteps > 0));

    /// <summary>
    /// An up-to-date run of this profile with the given config hash and seed on the data of digest
    /// <paramref name="dataDigest"/> (another row with the same resolved config), or null. A one-seed row
    /// (<paramref name="seed"/> null) and seed 1 are the same run; aggregates never match.
    /// </summary>
    public RowMetrics? FindByHash(string profile, string configHash, string? dataDigest, string exceptRow, int? seed = null)
    {
        var dir = Path.Combine(Root, profile);
        if (!Directory.Exists(dir)) return null;
        return Directory.EnumerateFiles(dir, "metrics.json", SearchOption.AllDirectories)
            .Where(f => !f[dir.Length..].Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) // not a staging folder
            .Order(StringComparer.Ordinal)
            .Select(f => (Metrics: TryRead(f), Paths: new RowPaths(Path.GetDirectoryName(f)!)))
            .Where(x => x.Metrics is { } m && m.Row != exceptRow && m.SameAs is null && m.Seeds is null
                        && (m.Seed ?? 1) == (seed ?? 1) && WhyStale(profile, m, x.Paths, configHash, dataDigest) is null)
            .Select(x => x.Metrics)
            .FirstOrDefault();
    }

    /// <summary>
    /// Fails with an <see cref="InputException"/> naming the path when the row's result could not be written: a file
    /// where a folder of the results tree should be, or a folder that refuses a new file (a read-only mount, no
    /// permission). Leaves nothing behind: it only creates and deletes one probe file in the deepest existing folder.
    /// </summary>
    public void CheckWritable(RowPaths row)
    {
        var table = Path.GetDirectoryName(row.Dir)!;
        var chain = new List<string>();
        for (var dir = table; dir is not null; dir = Path.GetDirectoryName(dir)) chain.Add(dir);
        chain.Reverse();
        string? deepest = null;
        foreach (var dir in chain.Append(row.Dir))
        {
            if (File.Exists(dir))
                throw new InputException($"{dir} is a file, but the results need a folder there; move or delete it");
            if (Directory.Exists(dir) && dir != row.Dir) deepest = dir;
        }
        if (deepest is null) return;
        var probe = Path.Combine(deepest, $".write-test-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{deepest} is not writable, so the result of {row.Dir} cannot be written ({e.Message})", e);
        }
    }

    /// <summary>Writes a metrics.json and its SHA-256 (metrics.json.sha256), each atomically: what <see cref="WhyStale(string, RowMetrics, RowPaths, string, string?)"/> verifies.</summary>
    public static void WriteMetrics(string metricsPath, RowMetrics metrics) => VerifiedFile.WriteText(metricsPath, metrics.ToJson());

    static RowMetrics? TryRead(string metricsPath)
    {
        try { return File.Exists(metricsPath) ? RowMetrics.FromJson(File.ReadAllText(metricsPath), metricsPath) : null; }
        catch (InvalidDataException) { return null; }
    }
}

/// <summary>The files of one row's result folder, and the staging folder and lock beside it.</summary>
public sealed record RowPaths(string Dir)
{
    public string Metrics => Path.Combine(Dir, "metrics.json");
    public string Config => Path.Combine(Dir, "config.resolved.yaml");
    public string Log => Path.Combine(Dir, "log.jsonl");
    /// <summary>The training curve of log.jsonl as CSV, for users' own plotting tools.</summary>
    public string Curve => Path.Combine(Dir, "training-curve.csv");
    /// <summary>Everything the row's runs printed, in order (a resumed run appends).</summary>
    public string Console => Path.Combine(Dir, "console.log");
    public string Checkpoints => Path.Combine(Dir, "checkpoints");
    public string Cache => Path.Combine(Dir, "cache");
    /// <summary>Where a run of this row works until it is complete (hidden beside the row folder, never read by reports).</summary>
    public string Staging => Sibling("staging");
    /// <summary>The row's lock: beside the folder, since the folder itself is swapped when a run completes.</summary>
    public string Lock => Sibling("lock");
    /// <summary>Where the previous result goes while it is deleted after a swap.</summary>
    public string Retired => Sibling("retired");

    string Sibling(string kind) => Path.Combine(Path.GetDirectoryName(Dir)!, $".{Path.GetFileName(Dir)}.{kind}");
}
