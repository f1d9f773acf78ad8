using LDae.Estimates;
using LDae.Files;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using LDae.Runtime;
using LDae.Tests.Execution;
using LDae.Training;
using Xunit;

namespace LDae.Tests.Estimates;

/// <summary>
/// The estimate counts what the build will run: a row that fine-tunes another row's weights pretrains the source again
/// when the source's result is up to date but its weights.bin is not kept (weights are not committed), and keys set
/// with --set change the rows' work and what is up to date, as they do in the build.
/// </summary>
public sealed class EstimatorTests(EstimatorTests.MeasuredRates rates) : IClassFixture<EstimatorTests.MeasuredRates>, IDisposable
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

    BuildEstimate Estimate(string target = Row, params string[] set) =>
        Estimator.For(target, BuildTestFiles.Profile, root, rates.CachePath, remeasure: false, TextWriter.Null, matmulGflops: 100, seeds: 1,
            overrides: ConfigOverrides.Parse(set));

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

    [Fact]
    public void A_key_set_for_the_build_changes_the_work_and_what_is_up_to_date()
    {
        const string pca = "table3/pca-ddm";
        BuildTestFiles.WriteResult(Results, pca, 50, BuildTestFiles.RealDataDigest);
        var asIs = Estimate(pca).Targets.Single(t => t.Target == pca);
        Assert.Equal(TargetStatus.UpToDate, asIs.Status);

        long epochs = BuildTestFiles.Registry.Resolve(pca, BuildTestFiles.Profile).Int("train.epochs");
        var longer = Estimate(pca, $"train.epochs={2 * epochs}").Targets.Single(t => t.Target == pca);
        Assert.Equal(TargetStatus.ToRun, longer.Status);
        double Pretraining(TargetEstimate t) => t.Parts.Single(p => p.Work.StartsWith("pretrain", StringComparison.Ordinal)).Flops;
        Assert.Equal(2 * Pretraining(asIs), Pretraining(longer), 1e-6 * Pretraining(asIs));
    }
}
