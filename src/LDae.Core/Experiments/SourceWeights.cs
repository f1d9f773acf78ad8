using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Training;

namespace LDae.Experiments;

/// <summary>
/// The pretrained weights a probe-only row probes (<see cref="PretrainingSource"/>): the source row's weights.bin,
/// or that of the row the source took its result from (same_as). Weights are not committed with the results, so
/// on a fresh clone a finished source has none: then the source is pretrained again (same configuration and seed,
/// so the same weights its result was measured on) into its staging folder, where <c>ldae pretrain</c> leaves its
/// weights, and its published result stays as it is; a source that has not run yet is run first.
/// </summary>
sealed class SourceWeights(RowRunner runner, ExperimentRegistry registry, ResultStore store, TextWriter log)
{
    /// <summary>A folder holding weights.bin of <paramref name="Row"/>'s current configuration.</summary>
    public sealed record Found(string Row, string Dir);

    /// <summary>The source's weights, made first when there are none.</summary>
    public Found Ensure(string source, RowRequest request)
    {
        if (Find(source, request.Profile) is { } found) return found;
        if (request.Stage == RowStage.ProbeOnly)
            throw new InputException($"{request.Row}: probes the weights of {source}, which has none; run `ldae pretrain --row {source} --profile {request.Profile}` first");
        bool finished = store.IsUpToDate(request.Profile, source, registry.Resolve(source, request.Profile).Hash());
        log.WriteLine(finished
            ? $"{request.Row}: probes the weights of {source}, whose result is up to date but whose weights.bin is not there (weights are not committed): pretraining {source} again"
            : $"{request.Row}: probes the weights of {source}, which has no result yet: running {source} first");
        runner.Run(new RowRequest(source, request.Profile)
        {
            Device = request.Device,
            Stage = finished ? RowStage.PretrainOnly : RowStage.PretrainAndProbe,
        });
        return Find(source, request.Profile) ?? throw new InvalidOperationException($"{source} left no pretrained weights for {request.Row}");
    }

    /// <summary>
    /// Where weights.bin of the source's current configuration is: the source's (or its same_as twin's) published
    /// folder when its result has that configuration, else the source's staging folder when stamped with it.
    /// </summary>
    Found? Find(string source, string profile)
    {
        var hash = registry.Resolve(source, profile).Hash();
        var rows = new List<string> { source };
        if (store.TryLoad(profile, source) is { SameAs: { } twin } result && result.ConfigHash == hash) rows.Add(twin);
        foreach (var row in rows)
        {
            var paths = store.Row(profile, row);
            if (store.TryLoad(profile, row)?.ConfigHash == hash && File.Exists(Path.Combine(paths.Dir, Trainer.WeightsFileName)))
                return new Found(row, paths.Dir);
        }
        var staged = store.Row(profile, source).Staging;
        return RowStaging.IsStampedWith(staged, hash) && File.Exists(Path.Combine(staged, Trainer.WeightsFileName))
            ? new Found(source, staged)
            : null;
    }
}
