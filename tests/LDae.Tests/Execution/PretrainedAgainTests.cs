using LDae.Rows;
using Xunit;

namespace LDae.Tests.Execution;

public class PretrainedAgainTests
{
    [Fact]
    public void A_run_that_ends_at_the_published_final_loss_is_the_published_run()
    {
        var line = PretrainedAgain.Compare("table3/pca-ddm/seed-1", 0.0234253, 0.023425);
        Assert.Contains("the weights its result was measured on", line);
        Assert.DoesNotContain("warning", line);
    }

    [Fact]
    public void A_run_that_ends_elsewhere_warns_that_its_probes_measure_other_weights()
    {
        var line = PretrainedAgain.Compare("table3/pca-ddm/seed-1", 0.023431, 0.023425);
        Assert.Contains("warning", line);
        Assert.Contains("0.023431", line);
        Assert.Contains("0.023425", line);
        Assert.Contains("differ from those its result was measured on", line);
    }
}
