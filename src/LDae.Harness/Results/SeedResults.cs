using LDae.Harness.Experiments;

namespace LDae.Harness.Results;

/// <summary>
/// The results of a row that runs n &gt; 1 seeds: <c>&lt;row&gt;/seed-&lt;k&gt;/</c> holds seed k's run (its own staging
/// folder and lock beside it, like any row's), and <c>&lt;row&gt;/metrics.json</c> their aggregate
/// (<see cref="SeedAggregate"/>). A row that ran one seed keeps its run in its own folder; that run is seed 1, so
/// a later multi-seed build moves it into <c>seed-1/</c> instead of training it again.
/// </summary>
public sealed class SeedResults(ResultStore store, string profile, string row)
{
    /// <summary>Seed k's folder, staging and lock.</summary>
    public RowPaths Seed(int k) => store.Row(profile, SeedRuns.Id(row, k));

    /// <summary>
    /// Whether seed k has an up-to-date result of <paramref name="hash"/> on the data of digest <paramref name="data"/>
    /// (for seed 1: also the row's one-seed run).
    /// </summary>
    public bool IsUpToDate(int k, string hash, string? data) => WhyStale(k, hash, data) is null;

    /// <summary>Why seed k has no up-to-date result (<see cref="ResultStore.WhyStale(string, string, string, string?)"/>), or null when it has one.</summary>
    public string? WhyStale(int k, string hash, string? data) =>
        k == 1 && HoldsSingleRun(hash, data) ? null : store.WhyStale(profile, SeedRuns.Id(row, k), hash, data);

    /// <summary>
    /// Whether the row's metrics.json aggregates exactly seeds 1…<paramref name="n"/> of <paramref name="hash"/> on the
    /// data of digest <paramref name="data"/> (its seeds share one tokenizer and data digest, which it carries: <see cref="SeedAggregate"/>).
    /// </summary>
    public bool IsAggregated(int n, string hash, string? data)
    {
        var paths = store.Row(profile, row);
        return TryLoad(paths) is { Seeds: { } s } m && s.N == n && s.Values.Select(v => v.Seed).Order().SequenceEqual(Enumerable.Range(1, n))
               && store.WhyStale(profile, m, paths, hash, data) is null;
    }

    /// <summary>The row's folder holds an up-to-date one-seed run of <paramref name="hash"/> on the data of digest <paramref name="data"/> (which is seed 1).</summary>
    public bool HoldsSingleRun(string hash, string? data)
    {
        var paths = store.Row(profile, row);
        return TryLoad(paths) is { Seeds: null, Seed: null } m && store.WhyStale(profile, m, paths, hash, data) is null;
    }

    /// <summary>
    /// Writes the row's metrics.json from seeds 1…<paramref name="n"/> (each must be up to date: of this configuration
    /// and data, and matching the SHA-256 written with it), under the row's lock. A one-seed run of this configuration
    /// in the row's folder becomes seed 1 first; a result of another configuration there is out of date and is removed
    /// (the seed folders are kept).
    /// </summary>
    public RowMetrics Aggregate(int n, string hash, string? data, TextWriter log)
    {
        var paths = store.Row(profile, row);
        Directory.CreateDirectory(paths.Dir);
        using var rowLock = RunLock.Acquire(paths.Lock, TimeSpan.FromHours(24), log);
        if (HoldsSingleRun(hash, data) && !Directory.Exists(Seed(1).Dir))
        {
            MoveSingleRun(paths, Seed(1));
            log.WriteLine($"{row}: its one-seed result is seed 1: moved to {SeedRuns.Id(row, 1)}");
        }
        else if (TryLoad(paths) is { Seeds: null })
            RemoveSingleRun(paths);
        var seeds = new List<RowMetrics>();
        for (int k = 1; k <= n; k++)
        {
            var seed = Seed(k);
            if (store.WhyStale(profile, SeedRuns.Id(row, k), hash, data) is { } why)
                throw new InputException($"{row}: seed {k} has no up-to-date result in {seed.Dir} ({why}); run `ldae run --row {row} --seed {k} --profile {profile}`");
            seeds.Add(RowMetrics.FromJson(File.ReadAllText(seed.Metrics), seed.Metrics) with { Seed = k });
        }
        var aggregate = SeedAggregate.Of(seeds);
        ResultStore.WriteMetrics(paths.Metrics, aggregate);
        return aggregate;
    }

    /// <summary>Moves the one-seed run's files into seed 1's folder: metrics.json last, then the folder into place.</summary>
    static void MoveSingleRun(RowPaths rowPaths, RowPaths seedOne)
    {
        var moving = seedOne.Dir + ".moving";
        var staging = Path.Combine(rowPaths.Dir, "." + Path.GetFileName(moving));
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        foreach (var entry in SingleRunEntries(rowPaths).OrderBy(e => e == rowPaths.Metrics))
        {
            var target = Path.Combine(staging, Path.GetFileName(entry));
            if (Directory.Exists(entry)) Directory.Move(entry, target);
            else File.Move(entry, target);
        }
        Directory.Move(staging, seedOne.Dir);
    }

    static void RemoveSingleRun(RowPaths rowPaths)
    {
        foreach (var entry in SingleRunEntries(rowPaths).OrderBy(e => e != rowPaths.Metrics)) // metrics.json first: never a half result
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }

    /// <summary>The row folder's own files and folders: everything but hidden entries and the seed folders.</summary>
    static IEnumerable<string> SingleRunEntries(RowPaths rowPaths) =>
        Directory.EnumerateFileSystemEntries(rowPaths.Dir)
            .Where(e => !Path.GetFileName(e).StartsWith('.') && !(Directory.Exists(e) && SeedRuns.TryParse("r/" + Path.GetFileName(e), out _, out _)))
            .ToList();

    static RowMetrics? TryLoad(RowPaths paths)
    {
        try { return File.Exists(paths.Metrics) ? RowMetrics.FromJson(File.ReadAllText(paths.Metrics), paths.Metrics) : null; }
        catch (InvalidDataException) { return null; }
    }
}
