using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Training;

namespace LDae.Experiments;

/// <summary>
/// The pretrained weights a probe-only row probes (<see cref="PretrainingSource"/>): the source row's weights.bin,
/// or that of the row the source took its result from (same_as). Weights are not committed with the results, so
/// on a fresh clone a finished source has none: then the source is pretrained again into its own folder (same
/// configuration and seed, so the same weights its result was measured on; its result and training log are kept),
/// and a source that has not run yet is run first.
/// </summary>
sealed class SourceWeights(RowRunner runner, ExperimentRegistry registry, ResultStore store, TextWriter log)
{
    /// <summary>The folder holding the source's weights, made first when there is none.</summary>
    public string Ensure(string source, RowRequest request)
    {
        if (Find(source, request.Profile) is { } found) return found;
        if (request.Stage == RowStage.ProbeOnly)
            throw new FileNotFoundException($"{request.Row}: probes the weights of {source}, which has none; run `ldae pretrain --row {source}` first");
        var sourceHash = registry.Resolve(source, request.Profile).Hash();
        bool finished = store.IsUpToDate(request.Profile, source, sourceHash);
        log.WriteLine(finished
            ? $"{request.Row}: probes the weights of {source}, whose result is up to date but whose weights.bin is not there (weights are not committed): pretraining {source} again"
            : $"{request.Row}: probes the weights of {source}, which has no result yet: running {source} first");
        var sourcePaths = store.Row(request.Profile, source);
        byte[]? keptLog = finished && File.Exists(sourcePaths.Log) ? File.ReadAllBytes(sourcePaths.Log) : null;
        // A committed result comes without the folder's hash stamp (not committed either); without it the runner
        // would take the folder for another configuration's and empty it, result included.
        var stamp = Path.Combine(sourcePaths.Dir, RowRunner.HashStamp);
        if (finished && !File.Exists(stamp)) ResultStore.WriteAtomic(stamp, sourceHash + "\n");
        runner.Run(new RowRequest(source, request.Profile)
        {
            Device = request.Device,
            Stage = finished ? RowStage.PretrainOnly : RowStage.PretrainAndProbe,
        });
        if (keptLog is not null) AtomicFile.WriteBinary(sourcePaths.Log, w => w.Write(keptLog));   // the log of the run its result came from
        return Find(source, request.Profile) ?? throw new InvalidOperationException($"{source} left no pretrained weights for {request.Row}");
    }

    /// <summary>The folder of the source (or of its same_as twin) whose weights.bin belongs to the source's current configuration.</summary>
    string? Find(string source, string profile)
    {
        var hash = registry.Resolve(source, profile).Hash();
        var rows = new List<string> { source };
        if (store.TryLoad(profile, source) is { SameAs: { } twin } result && result.ConfigHash == hash) rows.Add(twin);
        foreach (var row in rows)
        {
            var dir = store.Row(profile, row).Dir;
            var stamp = Path.Combine(dir, RowRunner.HashStamp);
            if (File.Exists(Path.Combine(dir, Trainer.WeightsFileName)) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == hash)
                return dir;
        }
        return null;
    }
}
