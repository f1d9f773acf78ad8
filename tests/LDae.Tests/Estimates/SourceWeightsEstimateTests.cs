using LDae.Estimates;
using LDae.Files;
using LDae.Harness;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using LDae.Runtime;
using LDae.Tests.Execution;
using LDae.Training;
using Xunit;

namespace LDae.Tests.Estimates;

/// <summary>
/// A row that fine-tunes another row's weights: when the source's result is up to date but its weights.bin is not kept
/// (weights are not committed), the build pretrains the source again, and the estimate counts that pretraining.
/// </summary>
public sealed class SourceWeightsEstimateTests(SourceWeightsEstimateTests.MeasuredRates rates) : IClassFixture<SourceWeightsEstimateTests.MeasuredRates>, IDisposable
{
    /// <summary>One throughput cache for the class: the ci shapes are measured once.</summary>
    public sealed class MeasuredRates : IDisposable
    {
        readonly TempTree dir = new("rates");
        public string CachePath => Path.Combine(dir, "throughput.json");
        public void Dispose() => dir.Dispose();
    }

    const string Row = "finetune/mae-base", Source = "table4/mae-base";
    readonly TempTree root = Root();

    static TempTree Root()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var root = new TempTree("estimate");
        Directory.CreateSymbolicLink(Path.Combine(root, "experiments"), Repo.Experiments());
        return root;
    }

    public void Dispose() => root.Dispose();

    string Results => Path.Combine(root, "results");

    BuildEstimate Estimate() =>
        Estimator.For(Row, BuildTestFiles.Profile, root, rates.CachePath, remeasure: false, TextWriter.Null, matmulGflops: 100, seeds: 1);

    [Fact]
    public void A_finished_source_without_its_weights_is_counted_as_pretrained_again_and_with_them_it_is_not()
    {
        BuildTestFiles.WriteResult(Results, Source, 50, BuildTestFiles.RealDataDigest);

        var without = Estimate();
        var again = Assert.Single(without.Targets, t => t.Target == $"{Source} (weights)");
        Assert.Equal(TargetStatus.ToRun, again.Status);
        Assert.Contains("pretrain", Assert.Single(again.Parts).Work);
        Assert.Equal(TargetStatus.ToRun, without.Targets.Single(t => t.Target == Row).Status);

        VerifiedFile.WriteText(Path.Combine(new ResultStore(Results).Row(BuildTestFiles.Profile, Source).Dir, Trainer.WeightsFileName), "weights\n");
        var with = Estimate();
        Assert.DoesNotContain(with.Targets, t => t.Target.EndsWith("(weights)", StringComparison.Ordinal));
        Assert.Equal(without.ToRunSeconds - again.Seconds, with.ToRunSeconds, 6);
    }

    [Fact]
    public void A_source_that_runs_in_the_same_build_is_not_counted_twice()
    {
        var estimate = Estimate();
        Assert.Equal(TargetStatus.ToRun, estimate.Targets.Single(t => t.Target == Source).Status);
        Assert.DoesNotContain(estimate.Targets, t => t.Target.EndsWith("(weights)", StringComparison.Ordinal));
    }
}
