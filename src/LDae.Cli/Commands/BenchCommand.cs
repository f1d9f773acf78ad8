using LDae.Files;
using System.CommandLine;
using LDae.Benchmarks;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

static class BenchCommand
{
    /// <summary>
    /// `ldae bench [--profile ci|quick] [--steps N] [--threads T] [--replicas R] [--precision fp32|bf16] [--omp-wait passive|active|bounded] [--json PATH] …`;
    /// `ldae bench --tokenizer NAME` times a learned tokenizer's training step instead (e.g. conv-vae-p4-d3-full at --profile cpu);
    /// `ldae bench --sampler ddim|ddpm [--row R] [--steps S] [--sample-images N]` times sampling as `ldae fid` does it.
    /// </summary>
    public static Command Create(CliContext context)
    {
        var defaults = new BenchmarkOptions();
        var row = CliOptions.Row(required: false, $"the row to train [default: {defaults.Row}]");
        var profile = CliOptions.Profile();
        var steps = CliOptions.Whole("--steps", $"timed training steps (after the warm-up) [default: {defaults.Steps}; a tokenizer: {TokenizerSteps}]", min: 1);
        var warmup = CliOptions.Whole("--warmup", $"warm-up steps before timing [default: {defaults.WarmupSteps}; a tokenizer: {TokenizerWarmup}]", min: 1);
        var threads = CliOptions.Whole("--threads", "torch threads [default: the profile's train.threads]", min: 1);
        var replicas = CliOptions.Whole("--replicas", "data-parallel replicas [default: the profile's train.replicas]", min: 1);
        var probeImages = CliOptions.Count("--probe-images", "images pushed through the frozen encoder to time feature extraction", 1, defaults.ProbeImages);
        var matmulSize = CliOptions.Count("--matmul-size", "side of the square fp32 matmul used as the machine's yardstick", 1, defaults.MatmulSize);
        var breakdownSteps = CliOptions.Count("--breakdown-steps", "steps timed phase by phase after the main measurement", 1, defaults.BreakdownSteps);
        var tokenizer = new Option<string>("--tokenizer") { Description = "time this learned tokenizer artifact's training step instead of the denoiser's (a name of `ldae plan`, without tokenizer/)" };
        var sampler = new Option<string>("--sampler") { Description = "time sampling instead (ddim or ddpm; --steps: sampling steps [default: 50]; --row [default: table1/dit-baseline])" };
        sampler.AcceptOnlyFromAmong("ddim", "ddpm");
        var sampleImages = CliOptions.Count("--sample-images", "images generated when timing the sampler", 1, 200);
        var ompWait = new Option<string>("--omp-wait") { Description = "libgomp's wait policy [default: bounded unless OMP_WAIT_POLICY is set]" };
        ompWait.AcceptOnlyFromAmong("passive", "active", "bounded");
        var precision = new Option<string>("--precision") { Description = "train.precision of the benchmarked step [default: the row's]; bf16 also prints the bf16 matmul yardstick" };
        precision.AcceptOnlyFromAmong("fp32", "bf16");
        var json = new Option<string>("--json") { Description = "also write the figures as JSON to this file" };
        var command = new Command("bench", "training/probe throughput, FLOP/s against a matmul yardstick, step breakdown, RSS growth; or a tokenizer's training step")
        {
            row, profile, steps, warmup, threads, replicas, probeImages, matmulSize, breakdownSteps, tokenizer, sampler, sampleImages, ompWait, precision, json,
            CliOptions.Device("the benchmark runs on the CPU"), CliOptions.Flag("--force", "accepted and ignored (a benchmark always runs)"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var artifact = parse.GetValue(tokenizer);
            if (parse.GetValue(sampler) is { } kind)
            {
                var samplerOptions = new Method.SamplerOptions { Kind = kind == "ddpm" ? Method.SamplerKind.Ddpm : Method.SamplerKind.Ddim, Steps = (int?)parse.GetValue(steps) ?? 50 };
                var samplerRow = parse.GetValue(row) is { } sr ? CliOptions.KnownRow(registry, sr) : "table1/dit-baseline";
                var measured = SamplerBenchmark.RunRow(samplerRow, CliOptions.KnownProfile(registry, parse.GetValue(profile)!), samplerOptions,
                    parse.GetValue(sampleImages), context.RepoRoot, context.Error);
                return Write(context, measured.ToTable(), measured.ToJson(), parse.GetValue(json));
            }
            var options = defaults with
            {
                Row = parse.GetValue(row) is { } r ? CliOptions.KnownRow(registry, r) : defaults.Row,
                Profile = CliOptions.KnownProfile(registry, parse.GetValue(profile)!),
                // a tokenizer step is short and its shapes do not change: fewer steps than the denoiser's defaults
                Steps = (int?)parse.GetValue(steps) ?? (artifact is null ? defaults.Steps : TokenizerSteps),
                WarmupSteps = (int?)parse.GetValue(warmup) ?? (artifact is null ? defaults.WarmupSteps : TokenizerWarmup),
                Threads = (int?)parse.GetValue(threads),
                Replicas = (int?)parse.GetValue(replicas),
                ProbeImages = parse.GetValue(probeImages),
                MatmulSize = parse.GetValue(matmulSize),
                BreakdownSteps = parse.GetValue(breakdownSteps),
                OpenMpWait = parse.GetValue(ompWait),
                Precision = parse.GetValue(precision),
            };
            var (table, jsonText) = artifact is null
                ? Report(TrainingBenchmark.RunRow(options, context.RepoRoot, context.Error))
                : Report(TokenizerBenchmark.RunArtifact(options, artifact, context.RepoRoot, context.Error));
            return Write(context, table, jsonText, parse.GetValue(json));
        });
        return command;
    }

    static int Write(CliContext context, string table, string jsonText, string? path)
    {
        context.Out.Write(table);
        if (path is not null)
        {
            AtomicFile.WriteText(path, jsonText);
            context.Out.WriteLine($"wrote {path}");
        }
        return 0;
    }

    const int TokenizerSteps = 20, TokenizerWarmup = 3;

    static (string Table, string Json) Report(BenchmarkReport r) => (r.ToTable(), r.ToJson());
    static (string Table, string Json) Report(TokenizerBenchmarkReport r) => (r.ToTable(), r.ToJson());
}
