using LDae.Harness;
using LDae.Files;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Harness.Config;
using LDae.Training;

namespace LDae.Rows;

/// <summary>
/// The pretrained weights a probe-only row probes (<see cref="PretrainingSource"/>), or a row samples from (`ldae fid`,
/// where the source is the row itself): the source row's weights.bin,
/// or that of the row the source took its result from (same_as). Weights are not committed with the results, so
/// on a fresh clone a finished source has none: then the source is pretrained again (same configuration and seed:
/// the weights its result was measured on where the kernels are the same, which <see cref="PretrainedAgain"/> checks
/// by the final loss) into its staging folder, where <c>ldae pretrain</c> leaves its weights, and its published result
/// stays as it is; a source that has not run yet is run first. Seed k of a
/// probe-only row probes seed k of its source (the source's one-seed run, in its own folder, is its seed 1).
/// </summary>
sealed class SourceWeights(RowRunner runner, ExperimentRegistry registry, ResultStore store, TextWriter log)
{
    /// <summary>A folder holding weights.bin of <paramref name="Row"/>'s current configuration.</summary>
    public sealed record Found(string Row, string Dir);

    /// <summary>The source's weights, made first when there are none. <paramref name="dataDigest"/>: the digest of the data both rows use now.</summary>
    public Found Ensure(string source, RowRequest request, string dataDigest)
    {
        var sourceId = SeedRuns.ResultId(source, request.Seed);
        if (Find(source, request, dataDigest) is { } found) return found;
        if (request.Stage == RowStage.ProbeOnly)
            throw new InputException($"{request.ResultId}: needs the weights of {sourceId}, which has none; run `ldae pretrain --row {source}{SeedOption(request.Seed)} --profile {request.Profile}` first");
        var hash = registry.Resolve(source, request.Profile, request.Overrides).Hash();
        bool finished = HasResult(store, request.Profile, source, request.Seed, hash, dataDigest);
        log.WriteLine(finished
            ? $"{request.ResultId}: needs the weights of {sourceId}, whose result is up to date but whose weights.bin is not there or does not match its SHA-256 (weights are not committed): pretraining {sourceId} again"
            : $"{request.ResultId}: needs the weights of {sourceId}, which has no result yet: running {sourceId} first");
        runner.Run(new RowRequest(source, request.Profile)
        {
            Device = request.Device,
            Stage = finished ? RowStage.PretrainOnly : RowStage.PretrainAndProbe,
            Seed = request.Seed,
            Overrides = request.Overrides,
        });
        return Find(source, request, dataDigest) ?? throw new InvalidOperationException($"{sourceId} left no pretrained weights for {request.ResultId}");
    }

    /// <summary>Whether the source's run (seed k, or its one-seed run) has an up-to-date result of <paramref name="hash"/> on this data.</summary>
    public static bool HasResult(ResultStore store, string profile, string source, int? seed, string hash, string dataDigest) =>
        seed is { } k ? new SeedResults(store, profile, source).IsUpToDate(k, hash, dataDigest) : store.IsUpToDate(profile, source, hash, dataDigest);

    static string SeedOption(int? seed) => seed is { } k ? $" --seed {k}" : "";

    Found? Find(string source, RowRequest request, string dataDigest) =>
        Locate(registry, store, source, request.Profile, request.Seed, request.Overrides, dataDigest);

    /// <summary>
    /// Where weights.bin of the source's current configuration is: the source's (or its same_as twin's) published
    /// folder when its result has that configuration and data, else the source's staging folder when stamped with it;
    /// null when there is none (the build pretrains the source again, and an estimate counts that pretraining).
    /// </summary>
    public static Found? Locate(ExperimentRegistry registry, ResultStore store, string source, string profile, int? seed,
        ConfigOverrides overrides, string dataDigest)
    {
        var hash = registry.Resolve(source, profile, overrides).Hash();
        var runs = new List<(string Row, string Id)> { (source, SeedRuns.ResultId(source, seed)) };
        if (store.TryLoad(profile, runs[0].Id) is { SameAs: { } twin } result && result.ConfigHash == hash) runs.Add((twin, SeedRuns.ResultId(twin, result.Seed)));
        if (seed == 1) runs.Add((source, source)); // the source's one-seed run is its seed 1
        foreach (var (row, id) in runs)
        {
            var paths = store.Row(profile, id);
            if (store.TryLoad(profile, id) is { Seeds: null } m && m.ConfigHash == hash && m.DataDigest == dataDigest && VerifiedFile.Check(Path.Combine(paths.Dir, Trainer.WeightsFileName)).Usable)
                return new Found(row, paths.Dir);
        }
        var staged = store.Row(profile, runs[0].Id).Staging;
        return RowStaging.IsStampedWith(staged, RowStaging.Identity(hash, dataDigest)) && VerifiedFile.Check(Path.Combine(staged, Trainer.WeightsFileName)).Usable
            ? new Found(source, staged)
            : null;
    }
}
