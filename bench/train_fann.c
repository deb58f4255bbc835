/* train_fann - FANN's RPROP on bench (b)'s data, in-process per epoch:
 * 1-10-1, tanh hidden (FANN_SIGMOID_SYMMETRIC), linear output, 2,000
 * epochs of fann_train_epoch (RPROP is full batch).  Prints
 * "epoch_us U mse M".  Built by bench/train.sh against libfann-dev. */
#define _POSIX_C_SOURCE 200809L
#include <floatfann.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: train_fann DATA.fann\n");
        return 2;
    }
    struct fann_train_data *data = fann_read_train_from_file(argv[1]);
    if (!data)
        return 1;
    struct fann *ann = fann_create_standard(3, 1, 10, 1);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    fann_randomize_weights(ann, -0.5f, 0.5f);
    const int epochs = 2000;
    double t0 = now();
    float mse = 0;
    for (int i = 0; i < epochs; i++)
        mse = fann_train_epoch(ann, data);
    double secs = now() - t0;
    printf("epoch_us %.3f mse %.5f\n", secs / epochs * 1e6, (double)mse);
    fann_destroy(ann);
    fann_destroy_train(data);
    return 0;
}
