namespace LDae.Tokenizers.Learned;

/// <summary>
/// FLOPs per image of a learned tokenizer's training step (<see cref="TokenizerTrainingStep"/>), from the networks'
/// conv shapes (<see cref="ConvFlops"/>): a trained network costs 3 × its forward pass (forward, input and weight
/// gradients); the frozen perceptual network runs forward on x and x̂ and backward to x̂ only (3 × one pass); in the
/// adversarial phase the generator term costs the discriminator's forward and input gradient (2 ×) and its own update
/// trains it on x and x̂ (2 × 3 ×). VQGAN's adaptive weight (two extra gradient passes to the decoder's last layer)
/// is not counted: it is overhead of the method, not work per image.
/// </summary>
public sealed record TokenizerStepFlops(double ReconstructionStep, double AdversarialStep)
{
    public const string Convention =
        "2 x multiply-adds of the convs; trained networks 3 x forward, the frozen perceptual network 3 x one pass (x, x̂, gradient to x̂), " +
        "discriminator 2 x for the generator term + 6 x for its update; the adaptive weight's extra passes not counted";

    public static TokenizerStepFlops For(LearnedTokenizer model, PerceptualNetwork? perceptual, PatchDiscriminator? discriminator, int imageSize)
    {
        double reconstruction = 3 * ConvFlops.TokenizerPerImage(model, imageSize) + (perceptual is null ? 0 : 3 * perceptual.FeatureFlops(imageSize));
        double d = discriminator?.ForwardFlops(imageSize) ?? 0;
        return new TokenizerStepFlops(reconstruction, reconstruction + 8 * d);
    }
}
