using LDae.Files;
using System.Diagnostics;
using LDae.Data;
using LDae.Evaluation;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>What to do with a row.</summary>
public sealed record RowRequest(string Row, string Profile)
{
    public string Device { get; init; } = "cpu";
    /// <summary>Run again from scratch although the result is up to date (and drop an interrupted run's checkpoint); the previous result stays until the new one is complete.</summary>
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
    /// <summary>Command-line overrides (<c>--set key=value</c>), applied on top of the profile and the row.</summary>
    public ConfigOverrides Overrides { get; init; } = ConfigOverrides.None;
    /// <summary>Seed k (1…n) of a multi-seed row, run in <c>&lt;row&gt;/seed-k/</c> (<see cref="SeedRuns"/>); null: the row's one run in its own folder.</summary>
    public int? Seed { get; init; }

    /// <summary>The run's id in the results tree: the row, or its seed's folder.</summary>
    public string ResultId => SeedRuns.ResultId(Row, Seed);
}

public enum RowStage { PretrainAndProbe, PretrainOnly, ProbeOnly }

/// <summary>A row that needs a part of the method that does not exist yet.</summary>
public sealed class RowUnavailableException(string message) : Exception(message);

/// <summary>
/// Runs one row of the paper: resolve its config → data → tokenizer artifact → pretrain the denoiser
/// (resumable) → frozen-encoder linear probe and kNN → metrics.json.
/// </summary>
/// <remarks>
/// Nothing of a finished result is touched before the run is known to be possible: the configuration, the results
/// folder's writability, the device and the data are checked first. The run then works in the row's staging folder
/// (<see cref="RowStaging"/>) and only a complete result replaces the previous one.
/// </remarks>
public sealed class RowRunner(ExperimentRegistry registry, ResultStore store, string repoRoot, TextWriter output)
{
    readonly RowDataDigests dataDigests = new(repoRoot, output);

    /// <summary>The row's metrics (also when already up to date); null when pretraining stopped early (resumable) or only pretraining was asked.</summary>
    public RowMetrics? Run(RowRequest request)
    {
        // What the row is: defaults ⊕ profile ⊕ its chain of deltas ⊕ overrides. A wrong key or value fails here.
        var config = registry.Resolve(request.Row, request.Profile, request.Overrides);
        var hash = config.Hash();
        if (Availability.Missing(config) is { } missing) throw new RowUnavailableException($"{request.Row}: {missing}");
        var paths = store.Row(request.Profile, request.ResultId);
        // The data's content digest now: a result of other data (or of unknown data) is out of date.
        var dataDigest = dataDigests.Of(config);
        if (UpToDate(request, hash, dataDigest, paths, tell: true)) return store.TryLoad(request.Profile, request.ResultId);
        if (request is { Seed: 1, Force: false, Stage: RowStage.PretrainAndProbe } && new SeedResults(store, request.Profile, request.Row).HoldsSingleRun(hash, dataDigest))
        {
            output.WriteLine($"{request.ResultId}: up to date (config {hash}): the row's one-seed result is its seed 1");
            return store.TryLoad(request.Profile, request.Row);
        }
        // Seed k runs the row with its own train.seed; the data subsets and the tokenizer stay the row's (SeedRuns).
        var runConfig = request.Seed is { } seed ? SeedRuns.ForSeed(config, seed) : config;

        // Whatever could make the run impossible is found before the row's folder is touched.
        store.CheckWritable(paths);
        var device = ResolveDevice(request.Device, (int)config.Int("train.threads"));
        PrecisionCheck.Require(config.Text("train.precision"), device.type, Bf16Support.CpuFeature());
        using var log = new RowConsoleLog(output);

        // A probe-only row probes its source row's weights: made (or found) before this row loads anything.
        var source = PretrainingSource.For(registry, registry.Row(request.Row), request.Profile);
        var weights = source is null ? null : new SourceWeights(this, registry, store, log).Ensure(source.FullId, request, dataDigest); // the same seed's weights
        if (source is not null && request.Stage == RowStage.PretrainOnly) return null;
        using var data = new RowData(config, repoRoot, log);

        using var rowLock = RunLock.Acquire(paths.Lock, TimeSpan.FromHours(24), log);
        if (UpToDate(request, hash, dataDigest, paths, tell: false)) return store.TryLoad(request.Profile, request.ResultId); // finished by the process we waited for
        var twin = request.Stage == RowStage.PretrainAndProbe && (!request.Force || request.ReuseTwin) ? store.FindByHash(request.Profile, hash, dataDigest, request.Row, request.Seed) : null;
        var staging = twin is null && weights is null ? OpenStaging(request, config, hash, dataDigest, paths) : RowStaging.Open(paths, RowStaging.Identity(hash, dataDigest), fresh: true);
        log.Attach(staging.Files.Console);
        if (Checkpoint.ExistsIn(staging.Files.Dir)) log.WriteLine($"{request.Row}: resuming the interrupted run in {paths.Staging}");
        WriteResolvedConfig(staging.Files.Config, request, runConfig, hash);

        // The protocol (tokenizer → pretrain → probe → metrics), or the result of a row with the same configuration.
        var metrics = twin is not null ? Reuse(twin, request, staging.Files, log) : Execute(request, runConfig, config, hash, data, device, weights, staging.Files, log);
        if (metrics is null) return null; // the staging folder keeps the work for the next run
        Publish(staging, metrics, paths, log);
        log.WriteLine($"{request.ResultId}: wrote {paths.Metrics}");
        return metrics;
    }

    /// <summary>
    /// The row at <paramref name="seeds"/> seeds: one run in the row's folder for 1, else seeds 1…n in turn (each in
    /// its seed-k folder, up-to-date ones skipped) and their aggregate in the row's metrics.json. Null when a seed
    /// stopped early or only pretraining was asked (then nothing is aggregated).
    /// </summary>
    public RowMetrics? RunSeeds(RowRequest request, int seeds)
    {
        if (seeds == 1) return Run(request);
        bool complete = true;
        for (int k = 1; k <= seeds; k++) complete &= Run(request with { Seed = k }) is not null;
        if (!complete || request.Stage == RowStage.PretrainOnly) return null;
        var config = registry.Resolve(request.Row, request.Profile, request.Overrides);
        var aggregate = new SeedResults(store, request.Profile, request.Row).Aggregate(seeds, config.Hash(), dataDigests.Of(config), output);
        var probe = aggregate.Seeds!.ProbeTop1;
        output.WriteLine($"{request.Row}: {seeds} seeds, linear probe top-1 {Format.MeanSd(probe)}; wrote {store.Row(request.Profile, request.Row).Metrics}");
        return aggregate;
    }

    /// <summary>The training curve as CSV, metrics.json and its SHA-256 last, then the whole folder swapped into the row's place.</summary>
    static void Publish(RowStaging staging, RowMetrics metrics, RowPaths paths, RowConsoleLog log)
    {
        if (File.Exists(staging.Files.Log)) TrainingCurveCsv.Write(staging.Files.Log, staging.Files.Curve);
        ResultStore.WriteMetrics(staging.Files.Metrics, metrics);
        log.Detach(); // console.log moves with the folder
        staging.Publish();
    }

    /// <summary>
    /// Nothing to do: the row has an up-to-date result of this configuration and data — and, when only pretraining is
    /// asked, its weights too (they are not committed with the results, so a finished row may have to pretrain again).
    /// With <paramref name="tell"/>, a result that is there but out of date says why in one line.
    /// </summary>
    bool UpToDate(RowRequest request, string hash, string dataDigest, RowPaths paths, bool tell)
    {
        if (request.Force || request.Stage == RowStage.ProbeOnly) return false;
        if (store.WhyStale(request.Profile, request.ResultId, hash, dataDigest) is { } why)
        {
            if (tell && File.Exists(paths.Metrics)) output.WriteLine($"{request.ResultId}: {why}; running it again");
            return false;
        }
        if (request.Stage == RowStage.PretrainOnly && !File.Exists(Path.Combine(paths.Dir, Trainer.WeightsFileName))) return false;
        output.WriteLine($"{request.ResultId}: up to date (config {hash})");
        return true;
    }

    /// <summary>
    /// A new or resumed run works in the row's staging folder. A re-probe (<c>ldae probe</c>) takes the weights of
    /// <c>ldae pretrain</c> from there, else a copy of the finished row, whose training fields it keeps.
    /// </summary>
    RowStaging OpenStaging(RowRequest request, ConfigTree config, string hash, string dataDigest, RowPaths paths)
    {
        var identity = RowStaging.Identity(hash, dataDigest);
        if (request.Stage != RowStage.ProbeOnly || config.Text("probe.encoder") != "trained")
            return RowStaging.Open(paths, identity, fresh: request.Force);
        var staged = RowStaging.Open(paths, identity, fresh: false);
        if (File.Exists(Path.Combine(staged.Files.Dir, Trainer.WeightsFileName))) return staged;
        if (store.IsUpToDate(request.Profile, request.ResultId, hash, dataDigest) && File.Exists(Path.Combine(paths.Dir, Trainer.WeightsFileName)))
            return RowStaging.CopyOfPublished(paths, identity);
        throw new InputException($"{request.Row}: no pretrained weights at profile {request.Profile} (config {hash}); " +
                                 $"run `ldae pretrain --row {request.Row} --profile {request.Profile}` first");
    }

    void WriteResolvedConfig(string path, RowRequest request, ConfigTree config, string hash)
    {
        var header = new List<string>
        {
            $"# {request.Row} at profile {request.Profile}; config hash {hash}",
            $"# chain: {string.Join(" → ", registry.Chain(registry.Row(request.Row)).Select(r => r.FullId))}",
        };
        if (request.Seed is { } k) header.Add($"# seed {k} of the row: train.seed = {config.Int("train.seed")} (row's train.seed + {SeedRuns.Stride}·(k − 1))");
        header.AddRange(request.Overrides.Describe().Select(o => $"# --set {o}"));
        AtomicFile.WriteText(path, string.Join("\n", header) + "\n" + config.ToYaml());
    }

    /// <summary>
    /// Rows that resolve to the same configuration (augmentation/center-crop and the l-DAE of
    /// Table 3, say) are one experiment: the result is copied, marked with the row it came from.
    /// </summary>
    RowMetrics Reuse(RowMetrics twin, RowRequest request, RowPaths staged, TextWriter log)
    {
        log.WriteLine($"{request.ResultId}: same configuration as {twin.Row} — reusing its result");
        var source = store.Row(request.Profile, SeedRuns.ResultId(twin.Row, twin.Seed));
        if (File.Exists(source.Log)) File.Copy(source.Log, staged.Log, overwrite: true);
        return twin with { Row = request.Row, SameAs = twin.Row, Overrides = OverridesOf(request), Seed = request.Seed };
    }

    static IReadOnlyDictionary<string, string>? OverridesOf(RowRequest request) =>
        request.Overrides.IsEmpty ? null : request.Overrides.Values.ToDictionary(kv => kv.Key, kv => Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "");

    /// <summary>
    /// The protocol of a row, in its staging folder: tokenizer → pretrain (or the source row's weights, for a
    /// probe-only row) → figures → probes → metrics.
    /// </summary>
    RowMetrics? Execute(RowRequest request, ConfigTree config, ConfigTree rowConfig, string hash, RowData data, Device device, SourceWeights.Found? weights,
                        RowPaths staged, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        int threads = (int)config.Int("train.threads");
        long seed = config.Int("train.seed");
        var (train, test) = (data.Train, data.Test);
        int classes = train.ClassNames.Count;
        log.WriteLine($"{request.Row}: {train.Name} {train.Count} train / {test.Count} test images, {train.Channels}×{train.Height}×{train.Width}; config {hash}");

        string encoder = config.Text("probe.encoder");
        var artifact = TokenizerArtifact.For(rowConfig);
        string tokenizerName = artifact?.Name ?? (encoder == "raw-pixels" || config.Text("pretrain.method") != "denoising" ? "none" : "pixels");
        var readout = encoder == "raw-pixels" ? null : RunSettings.Readout(config);
        TrainResult? trained = null;
        long parameters = 0;
        FrozenEncoder frozen = (x, _) => RawPixelFeatures.Of(x);
        using var model = encoder == "raw-pixels" ? null : PretrainingMethods.Create(config, rowConfig, request.Profile, store, train, test, classes, seed, log);
        var method = (IPretrainingMethod?)model;
        if (model is not null && method is not null)
        {
            model.to(device);
            parameters = model.parameters().Sum(p => p.numel());
            if (weights is not null)
            {
                log.WriteLine($"{request.Row}: probes the pretrained weights of {weights.Row} (it differs only in probe.* and finetune.* keys); no pretraining here");
                Trainer.LoadEvaluationWeights(model, weights.Dir);
            }
            else if (encoder == "trained")
            {
                // A re-probe trains no step: the trainer resumes at the end of the finished run and hands back its result.
                var options = RunSettings.Train(config) with { StopAfterSteps = request.Stage == RowStage.ProbeOnly ? 0 : request.StopAfterSteps };
                trained = Pretrain(model, config, options, train, staged, device, log);
                if (!trained.Completed || request.Stage == RowStage.PretrainOnly)
                {
                    log.WriteLine(trained.Completed ? $"{request.Row}: pretrained" : $"{request.Row}: stopped at step {trained.Steps}/{trained.TotalSteps}; rerun to resume");
                    if (trained.Completed && store.TryLoad(request.Profile, request.ResultId) is { FinalLoss: { } published } result && result.ConfigHash == hash)
                        log.WriteLine(PretrainedAgain.Compare(request.ResultId, trained.FinalLoss, published));
                    return null;
                }
                Trainer.LoadEvaluationWeights(model, staged.Dir); // EMA weights when EMA is on
            }
            model.eval();
            if (trained is not null && model is Denoiser denoiser && config.Text("objective.prediction") == "original-image")
                RowFigures.Write(Path.Combine(staged.Dir, "figures"), denoiser, test, seed);
            frozen = (x, noise) => method.Features(x.to(device), readout, noise).cpu();
        }

        // The artifact exists once the model is built (it builds a missing one); the row records which weights it used.
        var tokenizerWeights = artifact is null ? null : store.WeightsOf(request.Profile, artifact);
        var probeWatch = Stopwatch.StartNew();
        FrozenProbeResult? probe = null;
        ProbeSetup setup;
        double top1;
        if (FineTuneSettings.Enabled(config))
        {
            // The paper's Appendix B: the encoder fine-tuned end to end instead of probed frozen.
            top1 = RowFineTune.Run(request.Row, method, readout, config, train, test, classes, device, staged.Dir, log).TestTop1;
            setup = RowFineTune.Setup(readout!);
        }
        else
        {
            var protocol = RunSettings.ProbeProtocol(config);
            if (method is not null && device.type == DeviceType.CPU)
                protocol = protocol with { ExtractBatch = FeatureExtractor.CpuBatch(RunSettings.Backbone(config, train.Height)) };
            probe = FrozenEncoderProbe.Run(frozen, train, test, classes, protocol);
            setup = ProbeRecord.Of(config, readout);
            top1 = Math.Round(100 * probe.Linear.TestTop1, 2);
            log.WriteLine($"{request.Row}: linear probe top-1 {100 * probe.Linear.TestTop1:0.00}% (train {100 * probe.Linear.TrainTop1:0.00}%), kNN top-1 {100 * probe.KnnTop1:0.00}%; {ProbeRecord.Describe(setup)}");
        }
        probeWatch.Stop();

        return new RowMetrics
        {
            Row = request.Row,
            Profile = request.Profile,
            ConfigHash = hash,
            Tokenizer = tokenizerName,
            TokenizerWeights = tokenizerWeights,
            DataDigest = data.DataDigest,
            ProbeTop1 = top1,
            ProbeTrainTop1 = probe is null ? null : Math.Round(100 * probe.Linear.TrainTop1, 2),
            KnnTop1 = probe is null ? null : Math.Round(100 * probe.KnnTop1, 2),
            FinalLoss = trained is null ? null : Math.Round(trained.FinalLoss, 6),
            FinalLossSubspace = trained?.FinalParts.TryGetValue("subspace", out var s) == true ? Math.Round(s, 6) : null,
            FinalLossResidual = trained?.FinalParts.TryGetValue("residual", out var r) == true ? Math.Round(r, 6) : null,
            PretrainSteps = trained?.Steps ?? 0,
            Parameters = parameters,
            PretrainSeconds = Math.Round(trained?.WallSeconds ?? 0, 2),
            ImagesPerSecond = Math.Round(trained?.ImagesPerSecond ?? 0, 1),
            ProbeSeconds = Math.Round(probeWatch.Elapsed.TotalSeconds, 2),
            WallSeconds = Math.Round(wall.Elapsed.TotalSeconds, 2),
            Probe = setup,
            ProbeFeatures = probe is null ? null : new FeatureFingerprint(probe.TestFeatures.Mean, probe.TestFeatures.Sd),
            WeightsFrom = weights?.Row,
            Overrides = OverridesOf(request),
            Seed = request.Seed,
            Provenance = RunProvenance.Capture(repoRoot, request.Device, threads, seed, started) with { DataSha256 = data.Sha256, Precision = PrecisionCheck.Describe(config.Text("train.precision"), device.type, Bf16Support.CpuFeature()) },
        };
    }

    static TrainResult Pretrain(nn.Module model, ConfigTree config, TrainOptions options, ImageDataset train, RowPaths staged, Device device, TextWriter log)
    {
        var source = new TensorBatchSource(train.Images, train.Labels, options.BatchSize, options.Seed);
        using var trainer = new Trainer(options, staged.Dir, new ConsoleTrainProgress(log), log);
        return trainer.Run(model, source, PretrainObjective.For((IPretrainingMethod)model, config, device));
    }

    /// <summary>Loads libtorch (the one start-up path, <see cref="TorchRuntime"/>) and checks the device exists.</summary>
    static Device ResolveDevice(string name, int threads)
    {
        TorchRuntime.EnsureLoaded(threads);
        return name switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new InputException("--device cuda: no CUDA device is available (the default build is CPU-only; build with -p:TorchBackend=cuda on a machine with a GPU)"),
            _ => throw new InputException($"--device {name}: unknown device; expected cpu or cuda"),
        };
    }
}
