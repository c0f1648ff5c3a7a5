// tqc_f32_mul: IEEE 754 binary32 product a*b rounded to nearest, ties to even (a float32
// CPU multiply), combinational; a zero result has the sign a.sign ^ b.sign.
// Domain (what tqc_resize_f32 feeds it; backends/verilog/emit_resize_f32.py proves it from
// the weight ROMs at compile time): operands finite, +-0 or normal, and the result +-0 or
// normal: no NaN, no infinity, no subnormal, no overflow. Outside it the result is
// unspecified.
module tqc_f32_mul (
    input [31:0] a,
    input [31:0] b,
    output [31:0] y
);
    wire sign = a[31] ^ b[31];
    wire zero = a[30:23] == 8'd0 || b[30:23] == 8'd0;
    wire [47:0] p = {1'b1, a[22:0]} * {1'b1, b[22:0]};  // in [2^46, 2^48)
    wire top = p[47];
    /* verilator lint_off UNUSEDSIGNAL */
    wire [23:0] m = top ? p[47:24] : p[46:23];          // m[23] = 1 (hidden bit)
    wire [9:0] e = {2'b00, a[30:23]} + {2'b00, b[30:23]} + {9'd0, top} - 10'd127;  // 1..254
    /* verilator lint_on UNUSEDSIGNAL */
    wire g = top ? p[23] : p[22];                       // first bit below the kept 24
    wire s = top ? |p[22:0] : |p[21:0];                 // any bit below it
    wire inc = g & (s | m[0]);                          // to nearest, ties to even
    wire [30:0] r = {e[7:0], m[22:0]} + {30'd0, inc};   // a carry out of m bumps e
    assign y = zero ? {sign, 31'd0} : {sign, r};
endmodule
