// static_cast<uint8_t> of a float32 v in (-1, 256): trunc(v), which is 0 for v < 1.
module tqc_f32_to_u8 (
    input [31:0] v,
    output [7:0] y
);
    wire [7:0] e = v[30:23];
    wire below = v[31] || e < 8'd127;                   // |v| < 1, or negative
    /* verilator lint_off UNUSEDSIGNAL */
    wire [7:0] k = e - 8'd127;                          // 0..7 in the domain
    wire [23:0] t = {1'b1, v[22:0]} >> (5'd23 - k[4:0]);
    /* verilator lint_on UNUSEDSIGNAL */
    assign y = below ? 8'd0 : t[7:0];
endmodule
