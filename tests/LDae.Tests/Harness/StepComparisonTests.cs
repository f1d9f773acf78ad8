using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Harness;

/// <summary>How a step of a table is judged — shared by the report and the end-of-build summary.</summary>
public class StepComparisonTests
{
    [Fact]
    public void Direction_compares_signs_and_has_none_when_the_paper_is_flat_or_a_number_is_missing()
    {
        Assert.Equal(Direction.Agrees, new StepComparison(-2.7, -0.1).Direction);
        Assert.Equal(Direction.Disagrees, new StepComparison(1.2, -0.2).Direction);
        Assert.Equal(Direction.Disagrees, new StepComparison(1.2, 0.0).Direction);
        Assert.Equal(Direction.None, new StepComparison(0.0, 0.5).Direction);
        Assert.True(new StepComparison(0.0, 0.5).PaperFlat);
        Assert.Equal(Direction.None, new StepComparison(1.2, null).Direction);
        Assert.Equal(Direction.None, new StepComparison(null, 1.0).Direction);
    }

    [Fact]
    public void A_step_is_the_row_minus_its_previous_row_on_each_side()
    {
        Assert.Equal(new StepComparison(4.6, -1.5), StepComparison.Of(62.1, 57.5, 70.0, 71.5));
        Assert.Equal(new StepComparison(0.0, null), StepComparison.Of(63.6, 63.6, 70.0, null));
        Assert.Equal(new StepComparison(null, null), StepComparison.Of(63.6, null, null, null));
    }

    [Fact]
    public void A_bf16_row_is_compared_with_the_float32_row_it_is_made_from_not_with_the_row_above()
    {
        var registry = ExperimentRegistry.Load(Repo.Experiments());
        var precision = registry.Tables.Single(t => t.Id == "precision");
        Assert.NotEmpty(precision.Rows);
        for (int i = 0; i < precision.Rows.Count; i++)
        {
            var row = precision.Rows[i];
            Assert.Equal(row.From, precision.PreviousId(i));
            Assert.NotEqual("precision", registry.Row(row.From!).Table);
            Assert.Equal("fp32", registry.Resolve(registry.Row(row.From!), "quick").Text("train.precision"));
        }
    }

    [Fact]
    public void The_previous_row_is_the_row_named_by_vs_else_the_parent_in_the_table_else_the_row_above()
    {
        var registry = ExperimentRegistry.Load(Repo.Experiments());
        foreach (var table in registry.Tables)
        {
            if (table.Steps.Count > 0)
            {
                // a study of steps compares its rows across lengths, never with the row printed above
                Assert.All(Enumerable.Range(0, table.Rows.Count), i => Assert.Null(table.PreviousId(i)));
                continue;
            }
            Assert.Equal(table.Rows[0].Versus, table.PreviousId(0));
            for (int i = 1; i < table.Rows.Count; i++)
            {
                var previous = table.PreviousId(i);
                Assert.NotNull(previous);
                var parentInTable = table.Rows.FirstOrDefault(r => r.FullId == table.Rows[i].From);
                Assert.Equal(table.Rows[i].Versus ?? parentInTable?.FullId ?? table.Rows[i - 1].FullId, previous);
            }
        }
    }
}
