using LDae.Runtime;
using LDae.Training;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

/// <summary>LARS as MAE's linear probe uses it, against steps computed by hand.</summary>
public class LarsTests
{
    public LarsTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static (Parameter W, Parameter B) Parameters()
    {
        var w = new Parameter(tensor(new float[] { 3, 0, 0, 4 }, [2, 2]));   // ‖w‖ = 5
        var b = new Parameter(tensor(new float[] { 1, 1 }));
        return (w, b);
    }

    static void SetGradients(Parameter w, Parameter b)
    {
        w.grad = tensor(new float[] { 0.6f, 0, 0, 0.8f }, [2, 2]);           // ‖g‖ = 1
        b.grad = tensor(new float[] { 0.5f, -0.5f });
    }

    static void AssertClose(float[] expected, Tensor actual) =>
        Assert.True(actual.allclose(tensor(expected, actual.shape), rtol: 1e-6, atol: 1e-7), $"expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual.data<float>().ToArray())}]");

    [Fact]
    public void Two_steps_scale_the_matrix_update_by_the_trust_ratio_and_the_bias_update_not_at_all()
    {
        var (w, b) = Parameters();
        using var lars = new Lars([w, b], lr: 1.0, momentum: 0.9, weightDecay: 0);

        // Step 1: q = η‖w‖/‖g‖ = 0.001·5/1 = 0.005, μ = q·g = [[0.003, 0], [0, 0.004]], w ← w − μ.
        // The bias (1-D) takes the plain gradient: μ_b = [0.5, −0.5], b ← [0.5, 1.5].
        SetGradients(w, b);
        lars.step();
        AssertClose([2.997f, 0, 0, 3.996f], w);
        AssertClose([0.5f, 1.5f], b);

        // Step 2, same gradients: ‖w‖ = √(2.997² + 3.996²) = 4.995, q = 0.004995, μ = 0.9·μ + q·g
        // = [[0.0027 + 0.002997, 0], [0, 0.0036 + 0.003996]] = [[0.005697, 0], [0, 0.007596]];
        // μ_b = 0.9·[0.5, −0.5] + [0.5, −0.5] = [0.95, −0.95].
        SetGradients(w, b);
        lars.step();
        AssertClose([2.997f - 0.005697f, 0, 0, 3.996f - 0.007596f], w);
        AssertClose([0.5f - 0.95f, 1.5f + 0.95f], b);
    }

    [Fact]
    public void Weight_decay_enters_the_matrix_direction_before_the_trust_ratio_and_never_the_bias()
    {
        var (w, b) = Parameters();
        using var lars = new Lars([w, b], lr: 2.0, momentum: 0.9, weightDecay: 0.1);
        // d = g + 0.1·w = [[0.9, 0], [0, 1.2]], ‖d‖ = 1.5, q = 0.001·5/1.5, q·d = [[0.003, 0], [0, 0.004]]; lr 2.
        SetGradients(w, b);
        lars.step();
        AssertClose([3 - 0.006f, 0, 0, 4 - 0.008f], w);
        AssertClose([1 - 1.0f, 1 + 1.0f], b);                                  // b − 2·g_b, no decay
    }

    [Fact]
    public void A_zero_matrix_takes_the_plain_gradient_step()
    {
        var w = new Parameter(zeros(2, 2));
        using var lars = new Lars([w], lr: 0.5, momentum: 0.9);
        w.grad = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        lars.step();
        AssertClose([-0.5f, -1, -1.5f, -2], w);                                 // q = 1 where ‖w‖ = 0
    }

    [Fact]
    public void The_learning_rate_is_set_through_the_parameter_groups_like_SGD()
    {
        var (w, b) = Parameters();
        using var lars = new Lars([w, b], lr: 1.0, momentum: 0);
        foreach (var g in lars.ParamGroups) g.LearningRate = 0.5;
        SetGradients(w, b);
        lars.step();
        AssertClose([1 - 0.25f, 1 + 0.25f], b);
        AssertClose([3 - 0.0015f, 0, 0, 4 - 0.002f], w);
    }
}
