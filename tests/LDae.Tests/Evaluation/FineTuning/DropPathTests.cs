using LDae.Models;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

public class DropPathTests
{
    public DropPathTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Drop_path_is_the_identity_in_evaluation()
    {
        using var x = ones([8, 3, 4]);
        var d = new DropPath(0.5);
        using var y = d.Apply(x, training: false);
        Assert.True(y.allclose(x, rtol: 0, atol: 0));
    }

    [Fact]
    public void In_training_each_sample_is_dropped_or_scaled_and_the_expectation_is_kept()
    {
        using var g = new Generator(7, CPU);
        var d = new DropPath(0.25) { Noise = g };
        using var x = ones([20000, 2, 3]);
        using var y = d.Apply(x, training: true);
        using var perSample = y.amax([1, 2]);
        using var minimum = y.amin([1, 2]);
        Assert.True(perSample.allclose(minimum, rtol: 0, atol: 0), "a sample is dropped or kept as a whole");
        var values = perSample.data<float>().Distinct().Order().ToList();
        Assert.Equal([0f, 1f / 0.75f], values);
        Assert.Equal(1.0, y.mean().item<float>(), 1);          // E[y] = x
        double dropped = perSample.eq(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(dropped, 0.23, 0.27);
    }

    [Fact]
    public void A_block_without_drop_path_computes_what_it_computes_with_rate_zero_and_in_eval()
    {
        using var g = new Generator(8, CPU);
        using var block = new VitBlock(16, 2, 32);
        using var x = randn([4, 5, 16], generator: g);
        block.train();
        using var plain = block.forward(x, null);
        block.DropPath = new DropPath(0.0) { Noise = g };
        using var zero = block.forward(x, null);
        block.DropPath = new DropPath(0.9) { Noise = g };
        block.eval();
        using var evaluated = block.forward(x, null);
        Assert.True(plain.allclose(zero, rtol: 0, atol: 0));
        Assert.True(plain.allclose(evaluated, rtol: 0, atol: 0));
        block.train();
        using var dropped = block.forward(x, null);
        Assert.False(plain.allclose(dropped, rtol: 0, atol: 0));
    }
}
