using System.Diagnostics;
using System.Globalization;
using LDae.Data;
using LDae.Rows;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Runtime;
using LDae.Tokenizers;
using LDae.Tokenizers.Learned;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>What <see cref="SamplerBenchmark"/> measured: the cost of generating images as <c>ldae fid</c> does.</summary>
public sealed record SamplerBenchmarkReport
{
    public required string Row { get; init; }
    public required string Profile { get; init; }
    public required string Sampler { get; init; }
    public string? Cpu { get; init; }
    public required int Threads { get; init; }
    public required int Images { get; init; }
    public required int BatchSize { get; init; }
    public required int Steps { get; init; }
    public required double Seconds { get; init; }
    public double ImagesPerSecond => Images / Seconds;
    /// <summary>Network evaluations per second (one per image per step); the decoder runs once per image on top.</summary>
    public double ImageStepsPerSecond => (double)Images * Steps / Seconds;

    public string ToTable() => ReportText.Table(
    [
        ("row", $"{Row} at {Profile} (random weights: the cost does not depend on them)"),
        ("sampler", Sampler),
        ("cpu", Cpu ?? "unknown"),
        ("threads", Threads.ToString(CultureInfo.InvariantCulture)),
        ("images", $"{Images} in batches of {BatchSize}"),
        ("wall time", $"{Seconds:0.00} s"),
        ("images/s", $"{ImagesPerSecond:0.0}"),
        ("image-steps/s", $"{ImageStepsPerSecond:0} (network evaluations per second)"),
    ]);

    public string ToJson() => ReportText.Json(this);
}

/// <summary>
/// Times the sampler on a row's denoiser and tokenizer decoder with random weights (<c>ldae bench --sampler ddim</c>):
/// images/s and network evaluations/s at the profile's threads. A learned tokenizer is built untrained and a PCA is
/// fitted in a scratch folder, so the benchmark trains nothing and touches no result.
/// </summary>
public static class SamplerBenchmark
{
    public static SamplerBenchmarkReport RunRow(string row, string profile, SamplerOptions options, int images, string repoRoot, TextWriter log)
    {
        options.Validate();
        var registry = ExperimentRegistry.Load(Harness.Repo.Experiments(repoRoot));
        var config = registry.Resolve(registry.Row(row), profile);
        if (config.Text("pretrain.method") != "denoising" || config.Text("probe.encoder") != "trained")
            throw new Harness.InputException($"--row {row}: not a denoiser that could be sampled from");
        TorchRuntime.EnsureLoaded((int)config.Int("train.threads"));
        using var data = new RowData(config, repoRoot, log);
        var scratch = Directory.CreateTempSubdirectory("ldae-bench-sampler-");
        try
        {
            long seed = config.Int("train.seed");
            using var g = Seeding.Generator(seed, "bench-sampler");
            var tokenizer = UntrainedTokenizer(config, profile, scratch.FullName, data, g, log);
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(config), RunSettings.Denoiser(config, data.Train.Height, data.Train.ClassNames.Count), g);
            denoiser.eval();
            int classes = data.Train.ClassNames.Count;
            log.WriteLine($"[bench] {row}: {options.Describe()}, warm-up batch …");
            using (RowGeneration.Generate(denoiser, options with { Steps = 1 }, Math.Min(images, options.BatchSize), seed, classes)) { }
            log.WriteLine($"[bench] {images} images …");
            var clock = Stopwatch.StartNew();
            using (RowGeneration.Generate(denoiser, options, images, seed, classes)) { }
            clock.Stop();
            return new SamplerBenchmarkReport
            {
                Row = row, Profile = profile, Sampler = options.Describe(), Cpu = CpuName.OfThisMachine(), Threads = get_num_threads(),
                Images = images, BatchSize = options.BatchSize, Steps = options.Steps, Seconds = clock.Elapsed.TotalSeconds,
            };
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    static ITokenizer UntrainedTokenizer(ConfigTree config, string profile, string scratch, RowData data, Generator g, TextWriter log)
    {
        var kind = config.Text("tokenizer.kind");
        if (!LearnedTokenizerSpec.Kinds.Contains(kind))
            return TokenizerArtifacts.GetOrBuild(config, profile, new ResultStore(scratch), data.Train, data.Test, log);
        var tokenizer = LearnedTokenizerTrainer.Create(TokenizerArtifacts.LearnedSpec(config), data.Train.Channels, g);
        tokenizer.Freeze();
        return tokenizer;
    }
}
