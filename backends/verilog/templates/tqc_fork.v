// tqc_fork: one stream to K consumers; an element moves when every consumer is ready.
module tqc_fork #(
    parameter W = 8,
    parameter K = 2
) (
    input in_valid,
    output in_ready,
    input [W-1:0] in_data,
    output [K-1:0] out_valid,
    input [K-1:0] out_ready,
    output [K*W-1:0] out_data
);
    assign in_ready = &out_ready;
    assign out_valid = {K{in_valid && in_ready}};
    assign out_data = {K{in_data}};
endmodule
