using System.Text.Json;
using LDae.Benchmarks;
using LDae.Data;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Benchmarks;

/// <summary>
/// The benchmark's code path for a handful of steps of the ci-sized final l-DAE on synthetic images. Checks that
/// every figure is present and consistent (FLOPs against the formula, derived rates against their parts); no
/// timing is asserted.
/// </summary>
public class TrainingBenchmarkTests
{
    const string Row = "table3/predict-original-image";
    static readonly BenchmarkReport Report;

    static TrainingBenchmarkTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var registry = ExperimentRegistry.Load(Repo.Experiments());
        var config = registry.Resolve(registry.Row(Row), "ci");
        using var images = SyntheticImages(200, out var labels);
        var options = new BenchmarkOptions
        {
            Row = Row, Profile = "ci", Steps = 3, WarmupSteps = 2, Threads = 1,
            MatmulSize = 96, MatmulRepeats = 2, ProbeImages = 64, RssSampleEvery = 1, BreakdownSteps = 2, YardstickEvery = 1, StepGemmSeconds = 0.01,
        };
        Report = TrainingBenchmark.Run(options, config, images, "synthetic: 200 images", TextWriter.Null);
    }

    public TrainingBenchmarkTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static ImageDataset SyntheticImages(int n, out Tensor labels)
    {
        using var g = new Generator(3, CPU);
        var x = randint(0, 256, [n, 1, 32, 32], generator: g).to_type(ScalarType.Byte);
        labels = randint(0, 10, [n], generator: g);
        return new ImageDataset("synthetic", x, labels, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
    }

    [Fact]
    public void Flops_per_image_follow_the_formula_for_the_ci_model()
    {
        // ci: width 64, depth 4 (all adaLN-Zero), MLP 2·64, 16 tokens of one 8×8 image patch (64 values) in and out;
        // the adaLN conditioning c has the paper's width/4 = 16 values.
        const double w = 64, l = 16, cell = 64, hidden = 128, freq = 256, c = 16;
        double macs = l * cell * w                                   // patch embedding (1×1 on the 64-channel grid)
                      + freq * c + c * c                             // timestep MLP
                      + 4 * (l * 4 * w * w + 2 * l * l * w + l * 2 * w * hidden + c * 6 * w)
                      + l * w * cell + c * 2 * w;                    // final linear + its modulation
        Assert.Equal(2 * macs, Report.ForwardFlopsPerImage, 6);
        Assert.Equal(3 * Report.ForwardFlopsPerImage, Report.TrainFlopsPerImage, 6);
        Assert.Equal((64, 4, 2, 16, 128), (Report.Width, Report.Depth, Report.Heads, Report.Tokens, Report.BatchSize));
    }

    [Fact]
    public void Rates_are_positive_and_derived_figures_match_their_parts()
    {
        Assert.Equal(3, Report.TimedSteps);
        Assert.Equal(2, Report.WarmupSteps);
        Assert.True(Report.TrainImagesPerSecond > 0 && double.IsFinite(Report.TrainImagesPerSecond));
        Assert.True(Report.StepMillisecondsMedian > 0);
        Assert.Equal(Report.TrainFlopsPerImage * Report.TrainImagesPerSecond / 1e9, Report.TrainGflops, 9);
        Assert.Equal(Report.BatchSize * 1000 / Report.StepMillisecondsMedian, Report.TrainImagesPerSecondMedian, 6);
        Assert.Equal(Report.TrainGflopsMedian / Report.Matmul.Best, Report.TrainToMatmulRatio, 9);
        // 2 repeats before training, 2 between each pair of timed steps (steps 3 and 4 of 5), 2 after, pooled
        Assert.Equal(2 + 2 * 2 + 2, Report.Matmul.Samples.Count);
        Assert.All(Report.Matmul.Samples, s => Assert.True(s > 0));
        if (OperatingSystem.IsLinux())
        {
            Assert.True(Report.PageFaultsPerStep >= 0);
            Assert.StartsWith("glibc malloc", Report.Allocator);
        }
        // the block's four linears at a replica's (images · tokens) rows, each forward and both gradients, once per block
        Assert.Equal((2, 2), (Report.Replicas, Report.StepGemms.Replicas));
        var fc1 = Report.StepGemms.Shapes.Select(s => s.Shape).Single(s => s.Name == "fc1 x·Wᵀ");
        Assert.Equal((64L * 16, 64L, 128L, 4), (fc1.M, fc1.K, fc1.N, fc1.PerStep));
        var fc2Weights = Report.StepGemms.Shapes.Select(s => s.Shape).Single(s => s.Name == "fc2 dYᵀ·x");
        Assert.Equal((64L, 64L * 16, 128L, true, false), (fc2Weights.M, fc2Weights.K, fc2Weights.N, fc2Weights.TransposeLeft, fc2Weights.TransposeRight));
        Assert.Equal(12, Report.StepGemms.Shapes.Count);
        Assert.All(Report.StepGemms.Shapes, s => Assert.True(s.Gflops > 0));
        Assert.InRange(Report.StepGemms.ShareOfStepFlops, 0.5, 1.0);
        Assert.InRange(Report.StepGemms.Gflops, Report.StepGemms.Shapes.Min(s => s.Gflops), Report.StepGemms.Shapes.Max(s => s.Gflops));
        Assert.Equal(64, Report.ProbeImages);
        Assert.True(Report.ProbeImagesPerSecond > 0);
        Assert.True(double.IsFinite(Report.FinalLoss) && Report.FinalLoss > 0);
        Assert.Equal(1, Report.Threads);
        Assert.Equal(2, Report.Phases.Steps);
        Assert.True(Report.Phases.ForwardMs > 0 && Report.Phases.BackwardMs > 0 && Report.Phases.OptimizerMs > 0 && Report.Phases.BatchMs >= 0);
        Assert.True(Report.Phases.ReplicaSpreadMs >= 0 && Report.Phases.ReplicaSpreadMs < Report.Phases.ForwardMs + Report.Phases.BackwardMs);
        Assert.Equal(Report.Phases.BatchMs + Report.Phases.ForwardMs + Report.Phases.BackwardMs + Report.Phases.OptimizerMs, Report.Phases.TotalMs, 9);
        Assert.Contains("step phases", Report.ToTable());
        // the trainer collects gen 0 after every step, so each timed step saw at least one collection
        Assert.True(Report.GcPerStep is { Gen0: >= 1, PauseMs: >= 0 }, $"GC per step: {Report.GcPerStep}");
        Assert.Contains("ms paused per timed step", Report.ToTable());
    }

    [LinuxFact("/proc/self/status")]
    public void Memory_figures_are_read_from_proc_and_consistent()
    {
        Assert.True(Report.RssAfterWarmupMb > 0);
        Assert.True(Report.PeakRssMb >= Report.RssEndMb);
        Assert.Equal(Report.RssEndMb - Report.RssAfterWarmupMb, Report.RssGrowthMb, 9);
        Assert.Equal(new long[] { 2, 3, 4, 5 }, Report.RssSamples.Select(s => s.Step));   // every step from the end of warm-up
        Assert.True(Report.LiveTensorsAfterWarmup > 0);
    }

    [Fact]
    public void Peak_memory_is_split_into_measured_parts()
    {
        var m = Report.Memory;
        Assert.Equal(200 * 32 * 32 / 1048576.0 + 200 * 8 / 1048576.0, m.DatasetMb, 9);   // uint8 pixels + int64 labels
        // parameters, gradients, AdamW's two moments and the EMA copy (ci probes the EMA weights), float32
        Assert.Equal(5 * 4.0 * Report.Parameters / 1048576.0, m.ParametersAndOptimizerMb, 9);
        Assert.Equal(2, m.Replicas);
        Assert.Equal(m.PeakTrainingMb - m.DatasetMb - m.ParametersAndOptimizerMb - 2 * m.ActivationsPerReplicaMb, m.RetainedAndOtherMb, 9);
    }

    [LinuxFact("/proc/self/status")]
    public void Peak_memory_parts_are_measured_from_proc()
    {
        var m = Report.Memory;
        Assert.True(m.PeakTrainingMb > 0 && m.PeakSetupMb > 0 && Report.PeakRssMb >= m.PeakTrainingMb);
        // a shard of 64 ci images keeps activations of a few MB for its backward pass (4 blocks, 16 tokens, width 64)
        Assert.InRange(m.ActivationsPerReplicaMb, 1, 100);
        Assert.True(m.AllocatorFreeMb >= 0);
        Assert.True(m.RetainedAndOtherMb > 0, $"the runtime alone is resident: {m.RetainedAndOtherMb} MB");
        Assert.Contains("activations saved for backward", Report.ToTable());
    }

    [Fact]
    public void Json_has_the_figures_under_snake_case_names()
    {
        using var doc = JsonDocument.Parse(Report.ToJson());
        var root = doc.RootElement;
        Assert.Equal(Row, root.GetProperty("row").GetString());
        Assert.Equal(Report.TrainImagesPerSecond, root.GetProperty("train_images_per_second").GetDouble(), 6);
        Assert.Equal(Report.ForwardFlopsPerImage, root.GetProperty("forward_flops_per_image").GetDouble(), 3);
        Assert.Equal(Report.TrainFlopsPerImage, root.GetProperty("train_flops_per_image").GetDouble(), 3);
        Assert.Equal(Report.Matmul.Median, root.GetProperty("matmul").GetProperty("median").GetDouble(), 6);
        Assert.Equal(Report.RssGrowthMb, root.GetProperty("rss_growth_mb").GetDouble(), 6);
        Assert.Contains("3 x forward", root.GetProperty("flops_convention_text").GetString());
        Assert.Contains("training / matmul", Report.ToTable());
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Steps = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { Threads = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new BenchmarkOptions { BreakdownSteps = 0 }.Validate());
        new BenchmarkOptions().Validate();
    }
}

public class BenchmarkPartsTests
{
    public BenchmarkPartsTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Proc_status_lines_parse_to_bytes()
    {
        Assert.Equal(1234L * 1024, ProcessMemory.ParseKilobytes("VmRSS:\t    1234 kB"));
        Assert.Null(ProcessMemory.ParseKilobytes("VmRSS:"));
        if (OperatingSystem.IsLinux())
            Assert.True(ProcessMemory.PeakResidentBytes() >= ProcessMemory.ResidentBytes() * 0.5);
    }

    [Fact]
    public void Proc_stat_lines_give_the_minor_page_faults_even_with_odd_command_names()
    {
        // field 10 (minflt) = 4242; the command name holds a space and a parenthesis
        const string stat = "1234 (ldae (x) y) S 1 1234 1234 0 -1 4194560 4242 0 3 0 120 30 0 0 20 0 9 0 100 2000000 500";
        Assert.Equal(4242L, ProcessMemory.ParseMinorFaults(stat));
        Assert.Null(ProcessMemory.ParseMinorFaults("garbage"));
        if (OperatingSystem.IsLinux())
        {
            // 64 MB from malloc is above glibc's largest mmap threshold: fresh pages, so touching them must fault
            const int size = 64 << 20;
            var block = System.Runtime.InteropServices.Marshal.AllocHGlobal(size);
            try
            {
                long before = ProcessMemory.MinorPageFaults()!.Value;
                for (int i = 0; i < size; i += 4096) System.Runtime.InteropServices.Marshal.WriteByte(block, i, 1);
                Assert.True(ProcessMemory.MinorPageFaults() > before);
            }
            finally { System.Runtime.InteropServices.Marshal.FreeHGlobal(block); }
        }
    }

    [Fact]
    public void Matmul_measurement_counts_two_m_k_n_flops_and_pools_only_equal_shapes()
    {
        var m = MatmulThroughput.Measure(64, 32, 16, repeats: 3, minSeconds: 0.001);
        Assert.Equal(3, m.Samples.Count);
        Assert.All(m.Samples, s => Assert.True(s > 0 && double.IsFinite(s)));
        Assert.Equal(m.Samples.Max(), m.Best);
        Assert.Equal(6, m.Concat(m).Samples.Count);
        Assert.Throws<ArgumentException>(() => m.Concat(MatmulThroughput.Measure(16, 32, 64, repeats: 1, minSeconds: 0)));
        var odd = new MatmulMeasurement(1, 1, 1, [3.0, 1.0, 2.0]);
        Assert.Equal(2.0, odd.Median);
        Assert.Equal(2.5, (odd with { Samples = [4.0, 1.0, 2.0, 3.0] }).Median);
    }

    [Fact]
    public void Wait_policy_names_a_known_policy() => Assert.Throws<ArgumentException>(() => OpenMpWaitPolicy.Set("sometimes"));

    [LinuxFact("libgomp, which libtorch loads on Linux")]
    public void Wait_policy_cannot_change_once_libtorch_is_loaded()
    {
        using var _ = ones(1);                                    // libtorch, and with it libgomp, is loaded
        Assert.True(OpenMpWaitPolicy.IsOpenMpLoaded());
        Assert.Throws<InvalidOperationException>(() => OpenMpWaitPolicy.Set("passive"));
        Assert.Throws<InvalidOperationException>(() => OpenMpWaitPolicy.Set(OpenMpWaitPolicy.Bounded));
    }
}
