using LDae.Kernels;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

public class SmallAttentionTests
{
    public SmallAttentionTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void saturated_scores_give_a_one_hot_softmax_without_nan()
    {
        // huge logits: the row maximum must be subtracted before e^x, or the softmax is ∞/∞
        using var scope = NewDisposeScope();
        var qkv = randn([2, 16, 3 * 32], generator: new Generator(4, CPU)) * 1000;
        var y = SmallAttention.Apply(qkv, heads: 1);
        Assert.False(y.isnan().any().item<bool>());
        var parts = qkv.reshape(2, 16, 3, 1, 32).permute(2, 0, 3, 1, 4).unbind(0);
        var reference = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]).transpose(1, 2).reshape(2, 16, 32);
        Assert.True((y - reference).abs().max().item<float>() < 1e-2);   // values are ~1000: float32 rounding
    }

    [Fact]
    public void gives_the_same_bits_on_one_and_two_threads()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(6, CPU);
        var qkv = randn([64, 32, 3 * 64], generator: g);   // large enough to be split over two threads
        var upstream = randn([64, 32, 64], generator: g);
        (Tensor, Tensor) Run()
        {
            var leaf = qkv.detach().requires_grad_(true);
            var y = SmallAttention.Apply(leaf, heads: 2);
            y.backward([upstream]);
            return (y.detach(), leaf.grad!.detach());
        }
        var ((one, oneGrad), (two, twoGrad)) = TensorAssert.OnOneThenTwoThreads(Run);
        Assert.True(TensorAssert.Identical(one, two));
        Assert.True(TensorAssert.Identical(oneGrad, twoGrad));
    }

    [Fact]
    public void runs_without_a_graph_under_inference_mode_and_takes_views()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(8, CPU);
        var wide = randn([3, 16, 2 * 3 * 32], generator: g);
        var qkv = wide[.., .., ..(3 * 32)];                  // a non-contiguous view
        using (inference_mode())
        {
            var y = SmallAttention.Apply(qkv, heads: 2);
            Assert.False(y.requires_grad);
            var parts = qkv.reshape(3, 16, 3, 2, 16).permute(2, 0, 3, 1, 4).unbind(0);
            var reference = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]).transpose(1, 2).reshape(3, 16, 32);
            Assert.True((y - reference).abs().max().item<float>() < 1e-5);
        }
    }
}
