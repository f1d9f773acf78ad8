using Xunit;

namespace LDae.Regression.Tests;

public class DeterminismTests
{
    /// <summary>Same machine, seed and thread count: a second, independent run gives the very same numbers.</summary>
    [Fact]
    public void The_same_row_run_twice_gives_identical_metrics()
    {
        const string row = "table3/predict-original-image";
        var first = CiResults.Get(row);
        var fresh = Path.Combine(Path.GetTempPath(), "ldae-determinism-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var second = CiResults.RunInto(fresh, row);
            Assert.Equal(RegressionSnapshot.Of(first), RegressionSnapshot.Of(second));
            Assert.Equal(first.FinalLossSubspace, second.FinalLossSubspace);
            Assert.Equal(first.FinalLossResidual, second.FinalLossResidual);
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }
}
