using System.Diagnostics;
using LDae.Data;
using LDae.Evaluation;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Experiments;

/// <summary>What to do with a row.</summary>
public sealed record RowRequest(string Row, string Profile)
{
    public string Device { get; init; } = "cpu";
    /// <summary>Discard any result and checkpoint of this row and start over.</summary>
    public bool Force { get; init; }
    /// <summary>
    /// With <see cref="Force"/>: still take the result of another row with the same configuration (same_as) instead of
    /// training again. A forced build sets it once that other row has been recomputed in the same build, so each
    /// configuration is recomputed once.
    /// </summary>
    public bool ReuseTwin { get; init; }
    public RowStage Stage { get; init; } = RowStage.PretrainAndProbe;
    /// <summary>Stop pretraining (with a checkpoint) after this many steps in total; the next run resumes.</summary>
    public long? StopAfterSteps { get; init; }
}

public enum RowStage { PretrainAndProbe, PretrainOnly, ProbeOnly }

/// <summary>A row that needs a part of the method that does not exist yet.</summary>
public sealed class RowUnavailableException(string message) : Exception(message);

/// <summary>
/// Runs one row of the paper: resolve its config → data → tokenizer artifact → pretrain the denoiser
/// (resumable) → frozen-encoder linear probe and kNN → metrics.json, written last and atomically.
/// </summary>
public sealed class RowRunner(ExperimentRegistry registry, ResultStore store, string repoRoot, TextWriter log)
{
    const string HashStamp = "config.hash";

    /// <summary>The row's metrics; null when pretraining stopped early (resumable) or only pretraining was asked.</summary>
    public RowMetrics? Run(RowRequest request)
    {
        var config = registry.Resolve(request.Row, request.Profile);
        var hash = config.Hash();
        if (Availability.Missing(config) is { } missing) throw new RowUnavailableException($"{request.Row}: {missing}");
        var paths = store.Row(request.Profile, request.Row);
        if (!request.Force && request.Stage != RowStage.ProbeOnly && store.IsUpToDate(request.Profile, request.Row, hash))
        {
            log.WriteLine($"{request.Row}: up to date (config {hash})");
            return store.TryLoad(request.Profile, request.Row);
        }

        using var rowLock = RunLock.Acquire(paths.Lock, TimeSpan.FromHours(24), log);
        if (!request.Force && request.Stage != RowStage.ProbeOnly && store.IsUpToDate(request.Profile, request.Row, hash))
            return store.TryLoad(request.Profile, request.Row); // finished by the process we waited for
        PrepareFolder(paths, hash, request.Force);
        ResultStore.WriteAtomic(paths.Config,
            $"# {request.Row} at profile {request.Profile}; config hash {hash}\n# chain: {string.Join(" → ", registry.Chain(registry.Row(request.Row)).Select(r => r.FullId))}\n" + config.ToYaml());
        if (request.Stage == RowStage.PretrainAndProbe && (!request.Force || request.ReuseTwin) && store.FindByHash(request.Profile, hash, request.Row) is { } twin)
            return Reuse(twin, request, paths);
        return Execute(request, config, hash, paths);
    }

    /// <summary>
    /// Rows that resolve to the same configuration (augmentation/center-crop and the l-DAE of
    /// Table 3, say) are one experiment: the result is copied, marked with the row it came from.
    /// </summary>
    RowMetrics Reuse(RowMetrics twin, RowRequest request, RowPaths paths)
    {
        log.WriteLine($"{request.Row}: same configuration as {twin.Row} — reusing its result");
        var source = store.Row(request.Profile, twin.Row);
        if (File.Exists(source.Log)) File.Copy(source.Log, paths.Log, overwrite: true);
        var metrics = twin with { Row = request.Row, SameAs = twin.Row };
        ResultStore.WriteAtomic(paths.Metrics, metrics.ToJson());
        return metrics;
    }

    /// <summary>A folder left by another configuration (or --force) is emptied: its checkpoint must not be resumed.</summary>
    static void PrepareFolder(RowPaths paths, string hash, bool force)
    {
        Directory.CreateDirectory(paths.Dir);
        var stamp = Path.Combine(paths.Dir, HashStamp);
        if (force || !File.Exists(stamp) || File.ReadAllText(stamp).Trim() != hash)
        {
            foreach (var f in Directory.GetFiles(paths.Dir).Where(f => Path.GetFileName(f) != ".lock")) File.Delete(f);
            foreach (var d in Directory.GetDirectories(paths.Dir)) Directory.Delete(d, recursive: true);
            ResultStore.WriteAtomic(stamp, hash + "\n");
        }
    }

    RowMetrics? Execute(RowRequest request, ConfigTree config, string hash, RowPaths paths)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        int threads = (int)config.Int("train.threads");
        long seed = config.Int("train.seed");
        TorchRuntime.EnsureLoaded(threads, log);
        var device = ResolveDevice(request.Device);

        using var data = new RowData(config, repoRoot, log);
        var (train, test) = (data.Train, data.Test);
        int classes = train.ClassNames.Count;
        log.WriteLine($"{request.Row}: {train.Name} {train.Count} train / {test.Count} test images, {train.Channels}×{train.Height}×{train.Width}; config {hash}");

        string encoder = config.Text("probe.encoder");
        string tokenizerName = TokenizerArtifact.For(config)?.Name ?? (encoder == "raw-pixels" ? "none" : "pixels");
        TrainResult? trained = null;
        long parameters = 0;
        var pretrainWatch = Stopwatch.StartNew();
        Tensor trainFeatures, testFeatures;
        int extractBatch = 512;
        if (encoder == "raw-pixels")
        {
            trainFeatures = FeatureExtractor.Extract(RawPixelFeatures.Of, train.Images, extractBatch, ImageDataset.ToModelInput);
            testFeatures = FeatureExtractor.Extract(RawPixelFeatures.Of, test.Images, extractBatch, ImageDataset.ToModelInput);
        }
        else
        {
            var tokenizer = TokenizerArtifacts.GetOrBuild(config, request.Profile, store, train, test, log);
            using var init = Seeding.Seed(seed);
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(config), RunSettings.Denoiser(config, train.Height, classes), init);
            denoiser.to(device);
            parameters = denoiser.parameters().Sum(p => p.numel());
            if (encoder == "trained")
            {
                var options = RunSettings.Train(config) with { StopAfterSteps = request.StopAfterSteps };
                if (request.Stage == RowStage.ProbeOnly)
                {
                    if (!File.Exists(Path.Combine(paths.Dir, Trainer.WeightsFileName)))
                        throw new FileNotFoundException($"{request.Row}: no pretrained weights in {paths.Dir}; run `ldae pretrain --row {request.Row}` first");
                    Trainer.LoadEvaluationWeights(denoiser, paths.Dir);
                }
                else
                {
                    trained = Pretrain(denoiser, config, options, train, paths, device);
                    if (!trained.Completed || request.Stage == RowStage.PretrainOnly)
                    {
                        log.WriteLine(trained.Completed ? $"{request.Row}: pretrained" : $"{request.Row}: stopped at step {trained.Steps}/{trained.TotalSteps}; rerun to resume");
                        return null;
                    }
                    Trainer.LoadEvaluationWeights(denoiser, paths.Dir); // EMA weights when EMA is on
                }
            }
            pretrainWatch.Stop();
            denoiser.eval();
            if (trained is not null && config.Text("objective.prediction") == "original-image")
                RowFigures.Write(Path.Combine(paths.Dir, "figures"), denoiser, test, seed);
            Tensor FeaturesOf(Tensor x) => denoiser.Features(x.to(device)).cpu();
            trainFeatures = FeatureExtractor.Extract(FeaturesOf, train.Images, extractBatch, ImageDataset.ToModelInput);
            testFeatures = FeatureExtractor.Extract(FeaturesOf, test.Images, extractBatch, ImageDataset.ToModelInput);
        }
        pretrainWatch.Stop();

        var probeWatch = Stopwatch.StartNew();
        ProbeResult probe;
        double knn;
        using (trainFeatures)
        using (testFeatures)
        {
            probe = LinearProbe.Run(trainFeatures, train.Labels, testFeatures, test.Labels, classes, RunSettings.Probe(config));
            knn = KnnProbe.Top1(trainFeatures, train.Labels, testFeatures, test.Labels, classes, (int)config.Int("probe.knn_k"));
        }
        probeWatch.Stop();
        log.WriteLine($"{request.Row}: linear probe top-1 {100 * probe.TestTop1:0.00}% (train {100 * probe.TrainTop1:0.00}%), kNN top-1 {100 * knn:0.00}%");

        var metrics = new RowMetrics
        {
            Row = request.Row,
            Profile = request.Profile,
            ConfigHash = hash,
            Tokenizer = tokenizerName,
            ProbeTop1 = Math.Round(100 * probe.TestTop1, 2),
            ProbeTrainTop1 = Math.Round(100 * probe.TrainTop1, 2),
            KnnTop1 = Math.Round(100 * knn, 2),
            FinalLoss = trained is null ? null : Math.Round(trained.FinalLoss, 6),
            FinalLossSubspace = trained?.FinalParts.TryGetValue("subspace", out var s) == true ? Math.Round(s, 6) : null,
            FinalLossResidual = trained?.FinalParts.TryGetValue("residual", out var r) == true ? Math.Round(r, 6) : null,
            PretrainSteps = trained?.Steps ?? 0,
            Parameters = parameters,
            PretrainSeconds = Math.Round(trained?.WallSeconds ?? 0, 2),
            ImagesPerSecond = Math.Round(trained?.ImagesPerSecond ?? 0, 1),
            ProbeSeconds = Math.Round(probeWatch.Elapsed.TotalSeconds, 2),
            WallSeconds = Math.Round(wall.Elapsed.TotalSeconds, 2),
            Provenance = RunProvenance.Capture(repoRoot, request.Device, threads, seed, started),
        };
        ResultStore.WriteAtomic(paths.Metrics, metrics.ToJson());
        return metrics;
    }

    TrainResult Pretrain(Denoiser denoiser, ConfigTree config, TrainOptions options, ImageDataset train, RowPaths paths, Device device)
    {
        var source = new TensorBatchSource(train.Images, train.Labels, options.BatchSize, options.Seed);
        using var trainer = new Trainer(options, paths.Dir, new ConsoleTrainProgress(log));
        return trainer.Run(denoiser, source, PretrainObjective.For(denoiser, config, device));
    }

    static Device ResolveDevice(string name) => name switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new InvalidOperationException("--device cuda: no CUDA device (build with -p:TorchBackend=cuda on a machine with a GPU)"),
        _ => throw new ArgumentException($"unknown device '{name}'; cpu or cuda"),
    };
}
