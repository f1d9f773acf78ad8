using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>The test of the test: a configuration change known to hurt must be caught by the comparison.</summary>
public class RegressionNetTests
{
    [Fact]
    public void A_randomly_initialised_encoder_in_place_of_the_l_DAE_is_flagged()
    {
        // The committed l-DAE snapshot, and the same row with one config change: the probe reads the encoder
        // before pretraining (references/random-init is exactly that change).
        var name = new SnapshotFullName($"{nameof(CiRowRegressionTests)}.{nameof(CiRowRegressionTests.Row_metrics_match_the_snapshot)}_table3_predict-original-image.snap",
            Snapshot.FullName().FolderPath);
        var lDae = SnapshotFile.TryRead(name) ?? RegressionSnapshot.Of(CiResults.Get("table3/predict-original-image"));
        var broken = RegressionSnapshot.Of(CiResults.Get("references/random-init")) with { Row = lDae.Row };

        var deviations = MetricComparison.Compare(lDae, broken);

        Assert.Contains(deviations, d => d.Metric == "probe_top1");
        Assert.Contains(deviations, d => d.Metric == "config_hash");
        var table = MetricComparison.Table(deviations);
        Assert.Contains("probe_top1", table);
        Assert.Contains(lDae.ProbeTop1!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), table);
    }

    [Fact]
    public void Movements_within_tolerance_pass_and_beyond_fail()
    {
        var a = new RegressionSnapshot("t/r", "h", "pca-p8-d4", 60.0, 55.0, 0.05);
        Assert.Empty(MetricComparison.Compare(a, a with
        {
            ProbeTop1 = 60.0 + MetricTolerances.ProbeTop1Points,
            KnnTop1 = 55.0 - MetricTolerances.KnnTop1Points,
            FinalLoss = 0.05 * (1 + MetricTolerances.FinalLossRelative - 0.001),
        }));
        var d = MetricComparison.Compare(a, a with
        {
            ProbeTop1 = 60.0 - MetricTolerances.ProbeTop1Points - 0.5,
            FinalLoss = 0.05 * (1 + MetricTolerances.FinalLossRelative + 0.01),
            KnnTop1 = null,
        });
        Assert.Equal(["probe_top1", "knn_top1", "final_loss"], d.Select(x => x.Metric));
    }

    [Fact]
    public void A_measured_row_is_held_to_its_own_bounds_and_an_unmeasured_row_to_the_global_ones()
    {
        var file = new LDae.Harness.Regression.ToleranceFile("rule", "command", "ci", 5, "c", new Dictionary<string, LDae.Harness.Regression.RowTolerance>
        {
            ["t/r"] = new(new(1.2, 60, 0.2, 5), null, new(0.02, 0.05, 0.0002, 5)),
        });
        var bounds = MetricTolerances.For("t/r", file);
        Assert.Equal(new RowBounds(1.2, MetricTolerances.KnnTop1Points, 0.02, Measured: true), bounds);
        Assert.Equal(MetricTolerances.Global, MetricTolerances.For("t/other", file));

        var a = new RegressionSnapshot("t/r", "h", "pca-p8-d4", 60.0, 55.0, 0.05);
        Assert.Empty(MetricComparison.Compare(a, a with { ProbeTop1 = 61.2, FinalLoss = 0.05 * 1.019 }, bounds));
        // a move the global bounds let through is caught by the row's own
        var moved = a with { ProbeTop1 = 62.0, FinalLoss = 0.05 * 1.03 };
        Assert.Empty(MetricComparison.Compare(a, moved, MetricTolerances.Global));
        Assert.Equal(["probe_top1", "final_loss"], MetricComparison.Compare(a, moved, bounds).Select(d => d.Metric));
    }

    [Fact]
    public void A_readout_one_block_later_is_flagged_by_the_reproduction_check()
    {
        // encoder-split/k-plus-1 probes the l-DAE's very weights one block past the encoder: the features change,
        // whatever the probe's top-1 does.
        var name = new SnapshotFullName($"{nameof(CiRowRegressionTests)}.{nameof(CiRowRegressionTests.Row_metrics_match_the_snapshot)}_table3_predict-original-image.snap",
            Snapshot.FullName().FolderPath);
        var lDae = SnapshotFile.TryRead(name) ?? CiResults.Snapshot("table3/predict-original-image");
        var later = CiResults.Snapshot("encoder-split/k-plus-1") with { Row = lDae.Row };

        var deviations = MetricComparison.CompareReproduction(lDae, later);

        Assert.Contains(deviations, d => d.Metric == "feature_mean");
        Assert.Contains(deviations, d => d.Metric == "feature_sd");
        Assert.Contains("accept-snapshots", MetricComparison.ReproductionTable(deviations));
    }

    [Fact]
    public void The_reproduction_check_passes_float_differences_within_its_bounds_and_fails_beyond()
    {
        var bounds = new RowReproductionBounds(0.5, 1e-4, [1e-6, 1e-5, 1e-4], 1e-5, 1e-5);
        var a = new RegressionSnapshot("t/r", "h", "pca-p8-d4", 60.0, 55.0, 0.05)
        {
            Reproduction = new Reproduction([0.9, 0.5, 0.3], 62.0, 0.01, 2.0),
        };
        Assert.Empty(MetricComparison.CompareReproduction(a, a, bounds));
        Assert.Empty(MetricComparison.CompareReproduction(a, a with
        {
            ProbeTop1 = 60.5,
            FinalLoss = 0.05 * (1 + 0.9e-4),
            Reproduction = a.Reproduction! with
            {
                EarlyLosses = [0.9 * (1 + 0.9e-6), 0.5, 0.3 * (1 - 0.9e-4)],
                FeatureMean = 0.01 + 0.9e-5 * 2.0,   // the mean moves in units of the feature sd
                FeatureSd = 2.0 * (1 + 0.9e-5),
            },
        }, bounds));
        var moved = MetricComparison.CompareReproduction(a, a with
        {
            KnnTop1 = 54.4,
            FinalLoss = 0.05 * (1 + 1.5e-4),
            Reproduction = a.Reproduction! with
            {
                EarlyLosses = [0.9 * (1 + 1.5e-6), 0.5, 0.3],
                FeatureMean = 0.01 + 1.5e-5 * 2.0,
                ProbeTrainTop1 = null,
            },
        }, bounds);
        Assert.Equal(["knn_top1", "final_loss", "train_top1", "feature_mean", "loss[0]"], moved.Select(d => d.Metric));
        // a snapshot without a fingerprint is no proof of reproduction
        Assert.Equal(["fingerprint"], MetricComparison.CompareReproduction(a with { Reproduction = null }, a, bounds).Select(d => d.Metric));
    }
}
