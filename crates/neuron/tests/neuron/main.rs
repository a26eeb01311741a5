//! Neuron integration tests.
