using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// One optimisation step of a learned tokenizer: the autoencoder's loss (<see cref="LearnedTokenizerTrainer.Loss"/>),
/// its AdamW update, and in the adversarial phase the discriminator's hinge-loss update on x and x̂ detached. What
/// <see cref="LearnedTokenizerTrainer"/> repeats and <c>ldae bench --tokenizer</c> times.
/// </summary>
public sealed class TokenizerTrainingStep : IDisposable
{
    readonly LearnedTokenizerSpec spec;
    readonly LearnedTokenizer model;
    readonly PerceptualNetwork? perceptual;
    readonly PatchDiscriminator? discriminator;
    readonly OptimizerHelper optimizer;
    readonly OptimizerHelper? dOptimizer;
    // the step runs its convolutions with oneDNN off, wherever it is used (trainer, bench, estimate): see OneDnnConvolution
    readonly IDisposable convolutions = LDae.Runtime.OneDnnConvolution.Disabled();

    /// <summary>Both optimizers are AdamW with β = (0.5, 0.9), as VQGAN/LDM's Adam.</summary>
    public TokenizerTrainingStep(LearnedTokenizerSpec spec, LearnedTokenizer model, PerceptualNetwork? perceptual, PatchDiscriminator? discriminator)
    {
        (this.spec, this.model, this.perceptual, this.discriminator) = (spec, model, perceptual, discriminator);
        optimizer = optim.AdamW(model.parameters(), lr: spec.Lr, beta1: 0.5, beta2: 0.9, weight_decay: spec.WeightDecay);
        dOptimizer = discriminator is null ? null
            : optim.AdamW(discriminator.parameters(), lr: spec.Lr, beta1: 0.5, beta2: 0.9, weight_decay: spec.WeightDecay);
    }

    /// <summary>
    /// Trains on the batch x (float, [-1, 1]) at optimiser step <paramref name="step"/> (the posterior samples come from
    /// (seed, step)); <paramref name="adversarial"/> switches the adversarial term and the discriminator's update on.
    /// Returns the loss terms (in the caller's dispose scope) and the discriminator's loss (NaN outside the adversarial phase).
    /// </summary>
    public (LearnedTokenizerTrainer.LossTerms Terms, double DiscriminatorLoss) Run(Tensor x, long step, bool adversarial)
    {
        if (adversarial && discriminator is null) throw new InvalidOperationException("the adversarial phase needs a discriminator");
        using var sampling = TrainingData.Generator(spec.Seed, "tokenizer-sample", step);
        var terms = LearnedTokenizerTrainer.Loss(model, x, spec, perceptual, adversarial ? discriminator : null, sampling);

        optimizer.zero_grad();
        terms.Total.backward();
        optimizer.step();

        double dLoss = double.NaN;
        if (adversarial)
        {
            var d = HingeGanLoss.Discriminator(discriminator!.forward(x), discriminator.forward(terms.Reconstruction.detach()));
            dOptimizer!.zero_grad();
            d.backward();
            dOptimizer.step();
            dLoss = d.item<float>();
        }
        return (terms, dLoss);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        dOptimizer?.Dispose();
        convolutions.Dispose();
    }
}
