using LDae.Evaluation.FineTuning;
using LDae.Method;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

public class LayerDecayTests
{
    public LayerDecayTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Each_layer_gets_decay_to_the_power_of_its_distance_from_the_head()
    {
        Assert.Equal(Math.Pow(0.5, 4), LayerDecay.Scale(0, 3, 0.5), 12);     // embeddings
        Assert.Equal(Math.Pow(0.5, 3), LayerDecay.Scale(1, 3, 0.5), 12);     // block 0
        Assert.Equal(0.5, LayerDecay.Scale(3, 3, 0.5), 12);                  // block 2, the last
        Assert.Equal(1.0, LayerDecay.Scale(4, 3, 0.5), 12);                  // norm and head
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerDecay.Scale(5, 3, 0.5));
    }

    [Fact]
    public void The_classifier_groups_every_parameter_by_block_with_its_scale_and_decays_weight_matrices_only()
    {
        using var mae = FineTuneFixtures.Mae(blocks: 3);
        using var g = new Generator(1, CPU);
        using var model = new FineTuneClassifier(mae, ProbeReadout.Paper with { Blocks = null }, 16, 2, 2e-5, g);
        var groups = LayerDecay.Groups(model, 0.75, 0.05);
        var byParameter = groups.SelectMany(gr => gr.Parameters.Select(p => (p.Handle, Group: gr))).ToDictionary(x => x.Handle, x => x.Group);
        var named = model.named_parameters().ToList();
        Assert.Equal(named.Count, byParameter.Count);
        foreach (var (name, p) in named)
        {
            var group = byParameter[p.Handle];
            int expectedLayer = name.StartsWith("embedding.", StringComparison.Ordinal) ? 0
                : name.StartsWith("blocks.", StringComparison.Ordinal) ? int.Parse(name.Split('.')[1]) + 1
                : 4;
            Assert.Equal(expectedLayer, group.Layer);
            Assert.Equal(Math.Pow(0.75, 4 - expectedLayer), group.LrScale, 12);
            Assert.Equal(p.ndim > 1 && !name.EndsWith("bias", StringComparison.Ordinal) ? 0.05 : 0.0, group.WeightDecay);
        }
        // the whole encoder read-out is there: 3 blocks, the patch embedding, the final norm, fc_norm and head
        Assert.Equal([0, 1, 2, 3, 4], groups.Select(gr => gr.Layer).Distinct().Order());
        Assert.Contains(named, n => n.name.StartsWith("norm.", StringComparison.Ordinal));
        Assert.Contains(named, n => n.name == "head.weight");
    }

    [Fact]
    public void A_read_out_before_the_last_block_leaves_the_later_blocks_and_the_final_norm_out()
    {
        using var mae = FineTuneFixtures.Mae(blocks: 3);
        using var g = new Generator(1, CPU);
        using var model = new FineTuneClassifier(mae, new ProbeReadout(Blocks: 2), 16, 2, 2e-5, g);
        Assert.Equal(2, model.BlockCount);
        Assert.DoesNotContain(model.named_parameters(), n => n.name.StartsWith("norm.", StringComparison.Ordinal) || n.name.StartsWith("blocks.2.", StringComparison.Ordinal));
    }
}
