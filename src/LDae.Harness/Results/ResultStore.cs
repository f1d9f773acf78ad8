namespace LDae.Harness.Results;

/// <summary>
/// The results tree: <c>results/&lt;profile&gt;/&lt;table&gt;/&lt;row&gt;/</c> with metrics.json, config.resolved.yaml,
/// log.jsonl and checkpoints/. Reports, plots and snapshots read only from here.
/// </summary>
public sealed class ResultStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public RowPaths Row(string profile, string rowFullId) => new(Path.Combine(Root, profile, rowFullId.Replace('/', Path.DirectorySeparatorChar)));

    public string TokenizerDir(string profile, string artifact) => Path.Combine(Root, profile, "tokenizers", artifact);

    public string ReportDir(string profile) => Path.Combine(Root, profile, "report");

    /// <summary>The completed result of a row, or null when it has not run (or was interrupted).</summary>
    public RowMetrics? TryLoad(string profile, string rowFullId)
    {
        var p = Row(profile, rowFullId);
        return File.Exists(p.Metrics) ? RowMetrics.FromJson(File.ReadAllText(p.Metrics), p.Metrics) : null;
    }

    /// <summary>True when a completed result with this config hash exists: the target can be skipped.</summary>
    public bool IsUpToDate(string profile, string rowFullId, string configHash) =>
        TryLoad(profile, rowFullId)?.ConfigHash == configHash;

    /// <summary>A completed row of this profile with the given config hash (another row with the same resolved config), or null.</summary>
    public RowMetrics? FindByHash(string profile, string configHash, string exceptRow)
    {
        var dir = Path.Combine(Root, profile);
        if (!Directory.Exists(dir)) return null;
        return Directory.EnumerateFiles(dir, "metrics.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => RowMetrics.FromJson(File.ReadAllText(f), f))
            .FirstOrDefault(m => m.ConfigHash == configHash && m.Row != exceptRow && m.SameAs is null);
    }

    /// <summary>Writes a file atomically: a temp file in the same folder, then a rename.</summary>
    public static void WriteAtomic(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = $"{path}.tmp-{Environment.ProcessId}";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>The files of one row's result folder.</summary>
public sealed record RowPaths(string Dir)
{
    public string Metrics => Path.Combine(Dir, "metrics.json");
    public string Config => Path.Combine(Dir, "config.resolved.yaml");
    public string Log => Path.Combine(Dir, "log.jsonl");
    public string Checkpoints => Path.Combine(Dir, "checkpoints");
    public string Cache => Path.Combine(Dir, "cache");
    public string Lock => Path.Combine(Dir, ".lock");
}
