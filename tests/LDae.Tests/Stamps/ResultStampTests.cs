using LDae.Data;
using LDae.Files;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Rows;
using LDae.Runtime;
using LDae.Stamps;
using LDae.Tests.Execution;
using LDae.Tests.Seeds;
using Xunit;

namespace LDae.Tests.Stamps;

/// <summary>`ldae results stamp`: a result without a data digest gets one only when its recorded cache SHA-256 proves its data.</summary>
public class ResultStampTests
{
    const string Proven = "table3/predict-clean-data", Foreign = "table3/pca-ddm", Unrecorded = "table3/predict-original-image";
    const string Profile = BuildTestFiles.Profile;

    /// <summary>A result as committed before data digests: data_sha256 only, no data_digest, no SHA-256 beside metrics.json.</summary>
    static RowMetrics Committed(string row, int? seed, string? dataSha256)
    {
        var m = SeedTestFiles.Result(row, seed, 70 + (seed ?? 0));
        return m with { DataDigest = null, Provenance = m.Provenance with { DataSha256 = dataSha256 } };
    }

    static void Write(ResultStore store, string id, RowMetrics m) => AtomicFile.WriteText(store.Row(Profile, id).Metrics, m.ToJson());

    [Fact]
    public void Only_results_whose_recorded_cache_SHA_256_is_this_machines_are_stamped_the_rest_is_refused_and_left_as_it_is()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var registry = BuildTestFiles.Registry;
        var spec = RunSettings.Dataset(registry.Resolve(Proven, Profile), Repo.Root());
        string cacheSha, digest;
        using (var data = Datasets.Load(spec, Datasets.DefaultCacheDir())) (cacheSha, digest) = (data.Sha256!, data.ContentDigest!);

        using var results = new TempTree("stamp");
        var store = new ResultStore(results);
        // A row of two seeds and their aggregate, made from this machine's cache.
        var seeds = new[] { 1, 2 }.Select(k => Committed(Proven, k, cacheSha)).ToList();
        for (int k = 1; k <= 2; k++) Write(store, SeedRuns.Id(Proven, k), seeds[k - 1]);
        Write(store, Proven, SeedAggregate.Of(seeds));
        // A row made from another cache file, one that recorded none, and an aggregate one of whose seeds is not proven.
        Write(store, Foreign, Committed(Foreign, null, new string('0', 64)));
        Write(store, Unrecorded, Committed(Unrecorded, null, null));
        var mixed = new[] { Committed(Foreign, 1, cacheSha), Committed(Foreign, 2, new string('0', 64)) };
        const string mixedRow = "table3/single-noise-level";
        var mixedSeeds = mixed.Select(m => m with { Row = mixedRow, ConfigHash = registry.Resolve(mixedRow, Profile).Hash() }).ToList();
        for (int k = 1; k <= 2; k++) Write(store, SeedRuns.Id(mixedRow, k), mixedSeeds[k - 1]);
        Write(store, mixedRow, SeedAggregate.Of(mixedSeeds));
        var before = Snapshot(results);

        var stamp = new ResultStamp(registry, store, Repo.Root(), TextWriter.Null);
        var dry = stamp.Stamp(Profile, dryRun: true);
        Assert.Equal(before, Snapshot(results)); // a dry run writes nothing
        var lines = stamp.Stamp(Profile).ToDictionary(l => l.File.Replace(Path.DirectorySeparatorChar, '/'));
        Assert.Equal(dry.Select(l => (l.File, l.Outcome)), lines.Values.Select(l => (l.File, l.Outcome)));

        static string File(string id) => $"{id}/metrics.json";
        foreach (var id in new[] { SeedRuns.Id(Proven, 1), SeedRuns.Id(Proven, 2), Proven, SeedRuns.Id(mixedRow, 1) })
            Assert.Equal(StampOutcome.Stamped, lines[File(id)].Outcome);
        var hash = registry.Resolve(Proven, Profile).Hash();
        Assert.True(new SeedResults(store, Profile, Proven).IsUpToDate(2, hash, digest));
        Assert.True(new SeedResults(store, Profile, Proven).IsAggregated(2, hash, digest));
        Assert.Equal(digest, store.TryLoad(Profile, Proven)!.DataDigest);

        Assert.Equal($"it records data_sha256 000000000000, but this machine's fashion-mnist cache is {cacheSha[..12]}", lines[File(Foreign)].Why);
        Assert.Equal("it records no data_sha256, so nothing proves which data it ran on", lines[File(Unrecorded)].Why);
        Assert.Equal(StampOutcome.Refused, lines[File(SeedRuns.Id(mixedRow, 2))].Outcome);
        Assert.Equal("its seed 2 (seed-2/metrics.json) is not stamped with this data's digest", lines[File(mixedRow)].Why);
        var after = Snapshot(results);
        foreach (var id in new[] { Foreign, Unrecorded, mixedRow, SeedRuns.Id(mixedRow, 2) })
        {
            var metrics = Path.Combine(id.Split('/').Prepend(Profile).ToArray()) + "/metrics.json";
            Assert.Equal(before[metrics], after[metrics]); // refused: untouched, and given no SHA-256
            Assert.False(after.ContainsKey(metrics + VerifiedFile.DigestSuffix));
            Assert.False(store.IsUpToDate(Profile, id, registry.Resolve(id.Contains("seed-") ? mixedRow : id, Profile).Hash(), digest));
        }

        // Stamped once: a second stamp finds them stamped; a stamped file changed since is refused, not stamped again.
        Assert.All(new ResultStamp(registry, store, Repo.Root(), TextWriter.Null).Stamp(Profile).Where(l => lines[l.File.Replace(Path.DirectorySeparatorChar, '/')].Outcome == StampOutcome.Stamped),
            l => Assert.Equal(StampOutcome.AlreadyStamped, l.Outcome));
        var seedOne = store.Row(Profile, SeedRuns.Id(Proven, 1)).Metrics;
        System.IO.File.WriteAllText(seedOne, System.IO.File.ReadAllText(seedOne).Replace("\"probe_top1\": 71", "\"probe_top1\": 91"));
        var changed = new ResultStamp(registry, store, Repo.Root(), TextWriter.Null).Stamp(Profile)
            .Single(l => l.File == Path.Combine("table3", "predict-clean-data", "seed-1", "metrics.json"));
        Assert.Equal(StampOutcome.Refused, changed.Outcome);
        Assert.Contains("does not match the SHA-256 written with it", changed.Why);
    }

    static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.IO.File.ReadAllBytes(f))));

    [Fact]
    public void A_cache_vouched_for_by_reproduction_stamps_its_results_and_no_other()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var registry = BuildTestFiles.Registry;
        var spec = RunSettings.Dataset(registry.Resolve(Foreign, Profile), Repo.Root());
        string digest;
        using (var data = Datasets.Load(spec, Datasets.DefaultCacheDir())) digest = data.ContentDigest!;
        string gone = new('a', 64), unknown = new('b', 64);

        using var results = new TempTree("stamp-reproduced");
        var store = new ResultStore(results);
        Write(store, Foreign, Committed(Foreign, null, gone));
        Write(store, Unrecorded, Committed(Unrecorded, null, unknown));
        var lines = new ResultStamp(registry, store, Repo.Root(), TextWriter.Null, new HashSet<string> { gone }).Stamp(Profile)
            .ToDictionary(l => l.File.Replace(Path.DirectorySeparatorChar, '/'));

        Assert.Equal(StampOutcome.Stamped, lines[$"{Foreign}/metrics.json"].Outcome);
        Assert.Equal(digest, store.TryLoad(Profile, Foreign)!.DataDigest);
        Assert.Equal(StampOutcome.Refused, lines[$"{Unrecorded}/metrics.json"].Outcome);
        Assert.Null(store.TryLoad(Profile, Unrecorded)!.DataDigest);
    }
}
