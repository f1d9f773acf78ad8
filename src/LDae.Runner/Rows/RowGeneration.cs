using System.Diagnostics;
using LDae.Data;
using LDae.Evaluation.Generation;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Reporting.Plots;
using LDae.Runtime;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>What to measure: a trained row, at a profile, with the profile's generation settings unless overridden.</summary>
public sealed record GenerationRequest(string Row, string Profile)
{
    public ConfigOverrides Overrides { get; init; } = ConfigOverrides.None;
    public int? Samples { get; init; }
    public string? Sampler { get; init; }
    public int? Steps { get; init; }
    public double? Guidance { get; init; }
    /// <summary>Inception-v3 TorchScript file: FID proper; null: the dataset classifier (FD-classifier).</summary>
    public string? Inception { get; init; }
    public bool FetchInception { get; init; }
    /// <summary>Seeds 1…n of the row to measure (each in its seed-k folder) and aggregate; null: the profile's <c>seeds:</c>.</summary>
    public int? Seeds { get; init; }
    /// <summary>Measure again although the row already has a value at these settings.</summary>
    public bool Force { get; init; }
}

/// <summary>
/// Generation quality of a trained row (the FID column of the paper's Table 1): sample images from the row's
/// denoiser with its own schedule, prediction target and tokenizer decoder (class-conditional rows with labels
/// uniform over the classes), write a sample grid, and measure the Fréchet distance to as many real test images in
/// a feature network's space. The value goes into the row's metrics.json (<see cref="GenerationMetrics"/>); nothing
/// is retrained.
/// </summary>
public sealed class RowGeneration(ExperimentRegistry registry, ResultStore store, string repoRoot, TextWriter log)
{
    public const string GridFile = "figures/samples.png";
    const int GridSide = 8;

    /// <summary>
    /// The row's generation quality: with one seed, its run's; with n &gt; 1 (the profile's <c>seeds:</c>, or
    /// <see cref="GenerationRequest.Seeds"/>), each seed's run measured in its seed-k folder with its own weights and
    /// sampling seed, and the row's metrics.json then aggregates them (mean, sd, CI: <see cref="SeedAggregate"/>).
    /// </summary>
    public GenerationMetrics Run(GenerationRequest request)
    {
        var config = registry.Resolve(request.Row, request.Profile, request.Overrides);
        if (config.Text("pretrain.method") != "denoising" || config.Text("probe.encoder") != "trained")
            throw new InputException($"--row {request.Row}: not a trained denoiser (pretrain.method {config.Text("pretrain.method")}, probe.encoder {config.Text("probe.encoder")}); nothing to sample from");
        var inception = request.Inception ?? Environment.GetEnvironmentVariable("LDAE_INCEPTION");
        if (!string.IsNullOrEmpty(inception) && !request.FetchInception && !File.Exists(inception))
            throw new InputException($"--inception {inception}: no such file (the Inception-v3 TorchScript file of the standard FID, {InceptionFeatures.FileName}; --fetch-inception downloads it where the network allows)");
        int seeds = SeedRuns.Check(request.Seeds ?? registry.Profile(request.Profile).Seeds, "--seeds");
        if (seeds == 1) return Measure(request, config, seed: null);
        for (int k = 1; k <= seeds; k++) Measure(request, config, k);
        var aggregate = new SeedResults(store, request.Profile, request.Row).Aggregate(seeds, config.Hash(), new RowDataDigests(repoRoot, log).Of(config), log);
        var distance = aggregate.Seeds!.Generation!;
        log.WriteLine($"{request.Row}: {seeds} seeds, {aggregate.Generation!.Metric} {distance.Mean:0.####} ± {distance.Sd ?? 0:0.####}; wrote {store.Row(request.Profile, request.Row).Metrics}");
        return aggregate.Generation;
    }

    /// <summary>
    /// One run of the row (seed k's, or the row's one run): sample from its weights with its train.seed, write its
    /// grid and distance. <paramref name="config"/> is the row's (whose hash every seed's result carries).
    /// </summary>
    GenerationMetrics Measure(GenerationRequest request, ConfigTree config, int? seed)
    {
        var hash = config.Hash();
        var id = SeedRuns.ResultId(request.Row, seed);
        var paths = store.Row(request.Profile, id);
        var metrics = store.TryLoad(request.Profile, id);
        var settings = Settings(request);
        var options = new SamplerOptions
        {
            Kind = settings.Sampler == "ddpm" ? SamplerKind.Ddpm : SamplerKind.Ddim,
            Steps = settings.Steps,
            Guidance = settings.Guidance,
        };
        string metric = string.IsNullOrEmpty(request.Inception ?? Environment.GetEnvironmentVariable("LDAE_INCEPTION")) && !request.FetchInception
            ? ClassifierFeatures.MetricName : InceptionFeatures.MetricName;
        // A value at the same settings is kept (weights are not committed, so a clean clone could not measure it again).
        if (!request.Force && metrics is { Generation: { } done } && metrics.ConfigHash == hash && done.Metric == metric
            && done.Samples == settings.Samples && done.Sampler == options.Describe() && done.Reference == RealReferenceName)
        {
            log.WriteLine($"{id}: {metric} up to date ({done.Value}, {done.Samples} samples, {done.Sampler})");
            return done;
        }
        if (metrics is null || metrics.ConfigHash != hash)
            throw new InputException($"--row {request.Row}: {id} has no result of config {hash} at profile {request.Profile} in {paths.Dir}; " +
                                     $"run `ldae run --row {request.Row}{(seed is { } k ? $" --seed {k}" : "")} --profile {request.Profile}` first");
        int threads = (int)config.Int("train.threads");
        long samplingSeed = (seed is { } s ? SeedRuns.ForSeed(config, s) : config).Int("train.seed");
        TorchRuntime.EnsureLoaded(threads);
        // Weights are not committed with the results: a finished run without them is pretrained again (same
        // configuration and seed, so the same weights its result was measured on), its result left as it is.
        var runner = new RowRunner(registry, store, repoRoot, log);
        var weights = new SourceWeights(runner, registry, store, log).Ensure(request.Row, new RowRequest(request.Row, request.Profile) { Seed = seed, Overrides = request.Overrides },
            new RowDataDigests(repoRoot, log).Of(config));
        using var data = new RowData(config, repoRoot, log);
        var (train, test) = (data.Train, data.Test);
        if (settings.Samples > test.Count)
            throw new InputException($"--samples {settings.Samples}: more than the {test.Count} test images at profile {request.Profile} to compare with");

        using var features = FeatureNetwork(request, config, train, test);
        var tokenizer = TokenizerArtifacts.GetOrBuild(config, request.Profile, store, train, test, log);
        using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(config), RunSettings.Denoiser(config, train.Height, train.ClassNames.Count));
        Trainer.LoadEvaluationWeights(denoiser, weights.Dir);
        denoiser.eval();

        log.WriteLine($"{id}: sampling {settings.Samples} images, {options.Describe()}, {denoiser.Schedule.Name} schedule, " +
                      $"{(denoiser.Options.ClassConditional ? "labels uniform over the classes" : "unconditional")}");
        var watch = Stopwatch.StartNew();
        using var generated = Generate(denoiser, options, settings.Samples, samplingSeed, train.ClassNames.Count, log);
        watch.Stop();
        var grid = Path.Combine(paths.Dir, GridFile);
        SaveGrid(grid, generated, test.Channels, test.Height, test.Width,
            $"{id}: samples ({options.Describe()})");

        using var reference = tensor(RealReference(test.Count, settings.Samples));
        using var realImages = test.Images.index_select(0, reference);
        using var real = ImageDataset.ToModelInput(realImages);
        using var fake = Batched(features, generated);
        using var realFeatures = Batched(features, real);
        double value = FrechetDistance.Between(fake, realFeatures);
        long half = settings.Samples / 2;
        double floor = FrechetDistance.Between(realFeatures[..(int)half], realFeatures[(int)half..]);
        log.WriteLine($"{id}: {features.Metric} {value:0.####} ({settings.Samples} samples; two halves of the real images: {floor:0.####}); " +
                      $"sampling {watch.Elapsed.TotalSeconds:0.0} s ({settings.Samples * options.Steps / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):0} image-steps/s)");

        var result = new GenerationMetrics
        {
            Metric = features.Metric,
            Value = Math.Round(value, 4),
            FeatureNetwork = features.Network,
            ClassifierTop1 = features.ClassifierTop1,
            Samples = settings.Samples,
            Sampler = options.Describe(),
            Steps = options.Steps,
            Guidance = options.Guidance,
            RealFloor = Math.Round(floor, 4),
            Reference = RealReferenceName,
            SampleSeconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
            Grid = GridFile,
        };
        using (RunLock.Acquire(paths.Lock, TimeSpan.FromHours(1), log))
        {
            var current = store.TryLoad(request.Profile, id) ?? metrics;
            var updated = current with { Generation = result, Fid = features.Metric == InceptionFeatures.MetricName ? result.Value : current.Fid };
            ResultStore.WriteMetrics(paths.Metrics, updated);
        }
        log.WriteLine($"{id}: wrote {features.Metric} to {paths.Metrics} and the sample grid {grid}");
        return result;
    }

    /// <summary>What <see cref="RealReference"/> is, as recorded with a distance: a value measured against another reference is remeasured.</summary>
    public const string RealReferenceName = "test images drawn at random (fixed seed), in drawn order";

    /// <summary>
    /// The indices of the real test images a row's samples are compared with: <paramref name="samples"/> drawn at
    /// random with a fixed seed, in drawn order. Random, because an ImageFolder's test set (the CIFAR-10 tarball's) is
    /// stored class by class, so its first images would cover only some classes; in drawn order, so that the two
    /// halves behind the floor are a random split as well. The same for every row and seed of a dataset, so every
    /// distance of a table is to one reference.
    /// </summary>
    public static long[] RealReference(int testCount, int samples)
    {
        using var generator = Seeding.Generator(0, "generation/real-reference");
        using var order = randperm(testCount, generator: generator);
        return order.data<long>().ToArray()[..samples];
    }

    GenerationSettings Settings(GenerationRequest r)
    {
        var s = registry.Profile(r.Profile).Generation;
        s = s with
        {
            Samples = r.Samples ?? s.Samples,
            Sampler = r.Sampler ?? s.Sampler,
            Steps = r.Steps ?? s.Steps,
            Guidance = r.Guidance ?? s.Guidance,
        };
        if (!GenerationSettings.Samplers.Contains(s.Sampler)) throw new InputException($"--sampler {s.Sampler}: expected {string.Join(" or ", GenerationSettings.Samplers)}");
        if (s.Samples < 4) throw new InputException($"--samples {s.Samples}: a Fréchet distance needs at least 4 images (and is biased upwards at small counts)");
        return s;
    }

    IGenerationFeatures FeatureNetwork(GenerationRequest request, ConfigTree config, ImageDataset train, ImageDataset test)
    {
        var inception = request.Inception ?? Environment.GetEnvironmentVariable("LDAE_INCEPTION");
        if (request.FetchInception)
        {
            inception ??= Path.Combine(Datasets.DefaultCacheDir(), InceptionFeatures.FileName);
            InceptionFeatures.Fetch(inception, log);
        }
        if (!string.IsNullOrEmpty(inception)) return InceptionFeatures.Load(inception);
        log.WriteLine($"{request.Row}: no Inception-v3 weights given (--inception PATH or LDAE_INCEPTION): measuring FD-classifier, not FID");
        return ClassifierFeatures.GetOrTrain(Path.Combine(store.Root, request.Profile, "fd-classifier"), train, test, (int)config.Int("train.seed"), log);
    }

    /// <summary>
    /// <paramref name="count"/> images in [-1, 1], in batches of the sampler's size; class-conditional models get labels
    /// 0, 1, …, K−1, 0, … shuffled — uniform over the classes. Seeded: the same seed gives the same images.
    /// </summary>
    public static Tensor Generate(Denoiser denoiser, SamplerOptions options, int count, long seed, int classes, TextWriter? log = null)
    {
        using var scope = NewDisposeScope();
        using var g = Seeding.Generator(seed, "sampling");
        var sampler = new Sampler(denoiser, options);
        var labels = denoiser.Options.ClassConditional
            ? arange(count, dtype: ScalarType.Int64).remainder(classes).index_select(0, randperm(count, generator: g))
            : null;
        int nullClass = denoiser.Options.ClassConditional ? denoiser.Options.NumClasses : -1;
        var batches = new List<Tensor>();
        for (int start = 0; start < count; start += options.BatchSize)
        {
            using var batchScope = NewDisposeScope();
            int n = Math.Min(options.BatchSize, count - start);
            var z = sampler.Sample(denoiser.LatentShape(n), labels?[start..(start + n)], g, nullClass);
            Tensor images;
            using (no_grad()) images = denoiser.Tokenizer.Decode(z).clamp(-1, 1);
            batches.Add(images.MoveToOuterDisposeScope());
            log?.WriteLine($"[sample] {start + n}/{count}");
        }
        return cat(batches, 0).MoveToOuterDisposeScope();
    }

    static Tensor Batched(IGenerationFeatures features, Tensor images, int batch = 250)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batch)
            parts.Add(features.Features(images.narrow(0, start, Math.Min(batch, images.shape[0] - start))));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The first 8×8 images (fewer if fewer were generated) as a PNG grid.</summary>
    public static void SaveGrid(string path, Tensor images, int channels, int height, int width, string title)
    {
        int n = (int)Math.Min(images.shape[0], GridSide * GridSide);
        int cols = Math.Min(GridSide, n);
        var rows = new List<IReadOnlyList<float[]>>();
        for (int r = 0; r * cols < n; r++)
            rows.Add(Enumerable.Range(r * cols, Math.Min(cols, n - r * cols))
                .Select(i => images[i].contiguous().to(ScalarType.Float32).data<float>().ToArray()).ToList());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageGrid.Save(path, rows, channels, height, width, [], [], title);
    }
}
